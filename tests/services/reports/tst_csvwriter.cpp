#include <QTest>
class tst_CsvWriter : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(tst_CsvWriter)
#include "tst_csvwriter.moc"

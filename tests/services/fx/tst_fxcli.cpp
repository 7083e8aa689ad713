#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

// `billing-console fx import|list|convert` end to end: the real executable on a fresh SQLite workspace.
namespace {
struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};
} // namespace

class tst_FxCli final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_data;

    Run console(const QStringList &args)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(BC_CONSOLE_EXE),
                QStringList{QStringLiteral("--data-dir"), m_data.path(), QStringLiteral("--workspace"), QStringLiteral("fx")} + args);
        if (!p.waitForFinished(60000))
            p.kill();
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }

    QString write(const QString &name, const QByteArray &content)
    {
        const QString path = m_data.filePath(name);
        QFile f(path);
        if (f.open(QIODevice::WriteOnly))
            f.write(content);
        return path;
    }

private Q_SLOTS:
    void importListConvert()
    {
        const Run imported = console({QStringLiteral("fx"), QStringLiteral("import"),
                                      write(QStringLiteral("rates.csv"), "date,base,quote,rate,source\n"
                                                                         "2026-10-01,USD,JPY,150.00,ECB\n"
                                                                         "2026-11-01,USD,JPY,151.37,ECB\n"
                                                                         "2026-11-01,EUR,USD,1.0842,ECB\n")});
        QVERIFY2(imported.exitCode == 0, qPrintable(imported.err));
        QVERIFY2(imported.out.contains(QStringLiteral("Imported 3 rates")), qPrintable(imported.out));

        // A zero rate on line 3: refused, named, nothing saved.
        const Run refused = console({QStringLiteral("fx"), QStringLiteral("import"),
                                     write(QStringLiteral("bad.csv"), "date,base,quote,rate\n2026-12-01,GBP,USD,1.27\n"
                                                                      "2026-12-01,CHF,USD,0\n")});
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains(QStringLiteral("Line 3")) && refused.err.contains(QStringLiteral("zero")),
                 qPrintable(refused.err));

        const Run listed = console({QStringLiteral("fx"), QStringLiteral("list")});
        QCOMPARE(listed.exitCode, 0);
        QVERIFY(listed.out.contains(QStringLiteral("151.37")));
        QVERIFY(!listed.out.contains(QStringLiteral("GBP")));
        QVERIFY(listed.out.contains(QStringLiteral("3 rates.")));

        // 10.00 USD on 2026-11-15 uses the 2026-11-01 rate: 1513.7 -> 1514 JPY (half up).
        const Run converted = console({QStringLiteral("fx"), QStringLiteral("convert"), QStringLiteral("10.00"), QStringLiteral("USD"),
                                       QStringLiteral("--to"), QStringLiteral("JPY"), QStringLiteral("--date"), QStringLiteral("2026-11-15")});
        QVERIFY2(converted.exitCode == 0, qPrintable(converted.err));
        QVERIFY2(converted.out.contains(QStringLiteral("10.00 USD = 1514 JPY")), qPrintable(converted.out));
        QVERIFY(converted.out.contains(QStringLiteral("2026-11-01")));
        // on 2026-10-20 the October rate: 1500 JPY
        const Run october = console({QStringLiteral("fx"), QStringLiteral("convert"), QStringLiteral("10.00"), QStringLiteral("USD"),
                                     QStringLiteral("--to"), QStringLiteral("JPY"), QStringLiteral("--date"), QStringLiteral("2026-10-20")});
        QVERIFY(october.out.contains(QStringLiteral("= 1500 JPY")));
        // before any rate: a clear error
        const Run none = console({QStringLiteral("fx"), QStringLiteral("convert"), QStringLiteral("10.00"), QStringLiteral("USD"),
                                  QStringLiteral("--to"), QStringLiteral("JPY"), QStringLiteral("--date"), QStringLiteral("2026-01-01")});
        QCOMPARE(none.exitCode, 1);
        QVERIFY(none.err.contains(QStringLiteral("No USD to JPY rate on or before 2026-01-01")));
        const Run bad = console({QStringLiteral("fx"), QStringLiteral("explode")});
        QCOMPARE(bad.exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(tst_FxCli)
#include "tst_fxcli.moc"

// The recovery dialog on the real stack against the sandbox: a failed invoice, retry declined,
// a note and an owner recorded, the customer's new card, retry paid; support sees write-off
// disabled. Screenshots of each state go to screenshotDir().

#include "services/invoices/portalsessionservice.h"
#include "tests/services/dunning/dunningstack.h"
#include "ui/dialogs/recoverydialog.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace Billing;
using namespace Billing::Test;

class tst_RecoveryDialog : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<DunningStack> m_stack;
    FailedInvoice m_failed;

    static void shot(QWidget *w, const QString &name)
    {
        w->show();
        QTest::qWait(60);
        QVERIFY(w->grab().save(screenshotDir() + QStringLiteral("/recoverydialog-%1.png").arg(name)));
    }

    static bool historyHas(QTreeWidget *t, const QString &text)
    {
        for (int i = 0; i < t->topLevelItemCount(); ++i)
            for (int c = 0; c < 3; ++c)
                if (t->topLevelItem(i)->text(c).contains(text))
                    return true;
        return false;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(!sandboxUrl().isEmpty());
        const std::optional<FailedInvoice> f = makeFailedInvoice(QStringLiteral("Dora Dialog"), QStringLiteral("insufficient_funds"));
        QVERIFY(f);
        m_failed = *f;
        m_stack = std::make_unique<DunningStack>(m_dir.path(), dunningFinance());
        QVERIFY2(m_stack->error.isEmpty(), qPrintable(m_stack->error));
        QVERIFY(m_stack->load(m_failed.invoiceId).ok());
    }
    void cleanupTestCase() { m_stack.reset(); }

    void declinedThenNewCardThenPaid()
    {
        const InvoiceRow row = m_stack->failedRow(m_failed.invoiceId).value();
        PortalSessionService portal(m_stack->client.get(), m_stack->billingDb.get());
        RecoveryDialog dialog(m_stack->recovery.get(), &portal, row);
        QTRY_VERIFY(dialog.history()->topLevelItemCount() >= 1);
        QVERIFY(historyHas(dialog.history(), QStringLiteral("insufficient_funds")));
        QVERIFY(dialog.writeOffButton()->isEnabled()); // finance
        shot(&dialog, QStringLiteral("1-open"));

        QTest::mouseClick(dialog.retryButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.statusLabel()->text().contains(QLatin1String("Declined again")), 30000);
        QVERIFY(dialog.statusLabel()->text().contains(QLatin1String("insufficient"), Qt::CaseInsensitive));
        QTRY_VERIFY(historyHas(dialog.history(), QStringLiteral("Retry declined")));

        dialog.contactKind()->setCurrentIndex(dialog.contactKind()->findData(QStringLiteral("call")));
        QTest::keyClicks(dialog.noteEdit(), QStringLiteral("Called Dora: she adds a new card today"));
        QTest::mouseClick(dialog.recordButton(), Qt::LeftButton);
        QTRY_VERIFY(historyHas(dialog.history(), QStringLiteral("she adds a new card")));
        QVERIFY(dialog.noteEdit()->toPlainText().isEmpty());
        QTest::keyClicks(dialog.ownerEdit(), QStringLiteral("fin@example.com"));
        QTest::mouseClick(dialog.assignButton(), Qt::LeftButton);
        QTRY_VERIFY(dialog.statusLabel()->text().contains(QLatin1String("Assigned to fin@example.com")));

        QTest::mouseClick(dialog.portalButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.statusLabel()->text().contains(QLatin1String("Card-update link")), 30000);
        QVERIFY(dialog.lastLink().startsWith(QLatin1String("http")));
        QTRY_VERIFY(historyHas(dialog.history(), QStringLiteral("Card-update link created")));
        shot(&dialog, QStringLiteral("2-declined-contacted"));

        QVERIFY(!attachWorkingCard(m_failed.customerId).isEmpty());
        QTest::mouseClick(dialog.retryButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.isPaid(), 30000);
        QVERIFY(dialog.statusLabel()->text().contains(QLatin1String("Paid")));
        QVERIFY(!dialog.retryButton()->isEnabled());
        QTRY_VERIFY(historyHas(dialog.history(), QStringLiteral("Retry paid the invoice")));
        QTRY_VERIFY(!m_stack->failedRow(m_failed.invoiceId).has_value());
        shot(&dialog, QStringLiteral("3-paid"));
    }

    void supportCannotWriteOff()
    {
        const std::optional<FailedInvoice> f = makeFailedInvoice(QStringLiteral("Sid Support"), QStringLiteral("stolen_card"));
        QVERIFY(f);
        QTemporaryDir dir;
        DunningStack support(dir.path(), dunningSupport());
        QVERIFY(support.load(f->invoiceId).ok());
        const InvoiceRow row = support.failedRow(f->invoiceId).value();
        RecoveryDialog dialog(support.recovery.get(), nullptr, row);
        QVERIFY(!dialog.writeOffButton()->isEnabled());
        QVERIFY(dialog.writeOffButton()->toolTip().contains(QLatin1String("Finance")));
        QVERIFY(dialog.retryButton()->isEnabled());
        QVERIFY(!dialog.portalButton()->isEnabled()); // no portal service given
        QTRY_VERIFY(historyHas(dialog.history(), QStringLiteral("stolen_card")));
        shot(&dialog, QStringLiteral("4-support-hard-decline"));
        // Escalation needs a reason.
        QTest::mouseClick(dialog.escalateButton(), Qt::LeftButton);
        QTRY_VERIFY(dialog.statusLabel()->text().contains(QLatin1String("why")));
    }
};

QTEST_MAIN(tst_RecoveryDialog)
#include "tst_recoverydialog.moc"

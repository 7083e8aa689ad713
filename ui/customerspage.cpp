#include "ui/customerspage.h"

#include "models/customertablemodel.h"
#include "models/formatting.h"
#include "services/dunning/customertimezone.h"
#include "services/paymentmethods/paymentmethodservice.h"
#include "services/promotions/customercreditservice.h"
#include "services/promotions/referralprogram.h"
#include "services/storage/cachereader.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>

namespace Billing {

QComboBox *makeCurrencyCombo(QWidget *parent)
{
    auto *combo = new QComboBox(parent);
    combo->setObjectName(QStringLiteral("CurrencyFilter"));
    combo->addItem(CustomersPage::tr("All currencies"), QString());
    for (const char *code : {"usd", "eur", "gbp", "jpy", "cad", "aud", "chf", "kwd"})
        combo->addItem(QString::fromLatin1(code).toUpper(), QString::fromLatin1(code));
    combo->setMinimumWidth(140);
    return combo;
}

CustomersPage::CustomersPage(CacheReader *reader, QWidget *parent)
    : TablePage(tr("Customers"), new CustomerTableModel(reader), parent), m_reader(reader)
{
    model()->setParent(this);
    m_customers = static_cast<CustomerTableModel *>(model());
    searchBox()->setPlaceholderText(tr("Search name, email, phone or ID…"));
    m_currency = makeCurrencyCombo(this);
    m_delinquent = new QCheckBox(tr("Delinquent only"), this);
    m_delinquent->setObjectName(QStringLiteral("DelinquentFilter"));
    addFilterWidget(m_currency);
    addFilterWidget(m_delinquent);
    connect(m_currency, &QComboBox::currentIndexChanged, this,
            [this] { m_customers->setCurrency(m_currency->currentData().toString()); });
    connect(m_delinquent, &QCheckBox::toggled, m_customers, &CustomerTableModel::setDelinquentOnly);
    setColumnWidths({185, 215, 130, 100, 75, 0, 95, 0}, CustomerTableModel::Name);
    setDetailWidth(420); // room for the payment methods and the credit ledger
}

void CustomersPage::applySearch(const QString &text)
{
    m_customers->setSearchText(text);
}

QString CustomersPage::emptyText() const
{
    return tr("No customers yet — run a sync (F5)");
}

bool CustomersPage::hasActiveFilters() const
{
    return TablePage::hasActiveFilters() || m_currency->currentIndex() > 0 || m_delinquent->isChecked();
}

QString CustomersPage::countText(int rows, bool more) const
{
    if (more)
        return tr("%1+ customers").arg(locale().toString(rows));
    return rows == 1 ? tr("1 customer") : tr("%1 customers").arg(locale().toString(rows));
}

void CustomersPage::fillDetail(int row, DetailBuilder &d)
{
    const Customer &c = m_customers->rowAt(row);
    const QLocale loc = m_customers->locale();
    d.title(c.name.isEmpty() ? tr("(no name)") : c.name, c.id);
    d.field(tr("Email"), c.email);
    d.field(tr("Phone"), c.phone);
    d.field(tr("Address"), c.region.isEmpty() ? c.country : tr("%1, %2").arg(c.region, c.country));
    // The zone dunning retries are timed in, and where it comes from (metadata, address, UTC).
    d.field(tr("Time zone"), CustomerTimeZones::forCustomer(c).describe());
    d.field(tr("Currency"), c.currency.toUpper());
    d.field(tr("Balance"), c.currency.isEmpty() ? QString() : Format::money(c.balanceMinor, c.currency, loc));
    d.field(tr("Standing"), c.delinquent ? tr("Delinquent (a payment failed)") : tr("Good standing"));
    d.field(tr("Created"), Format::dateTime(c.created, loc));
    d.field(tr("Mode"), c.livemode ? tr("Live") : tr("Test"));
    if (!c.description.isEmpty())
        d.field(tr("Description"), c.description);
    if (m_methods) {
        d.section(tr("Payment methods"));
        QLabel *pm = d.richText(tr("Loading…"));
        pm->setObjectName(QStringLiteral("PaymentMethodsSection"));
        fillPaymentMethods(c, pm);
    } else {
        d.field(tr("Payment method"), c.defaultPaymentMethod);
    }
    if (m_credits) {
        d.section(tr("Credit balance"));
        QLabel *credit = d.richText(tr("Loading the balance from Stripe…"));
        credit->setObjectName(QStringLiteral("CreditSection"));
        fillCredit(c.id, credit);
    }
    if (m_referrals) {
        d.section(tr("Referrals"));
        QLabel *ref = d.richText(tr("Loading…"));
        ref->setObjectName(QStringLiteral("ReferralsSection"));
        fillReferrals(c.id, ref);
    }
    if (!c.metadata.isEmpty()) {
        d.section(tr("Metadata"));
        for (auto it = c.metadata.cbegin(); it != c.metadata.cend(); ++it)
            d.field(it.key(), it.value());
    }
}

void CustomersPage::setCustomerServices(PaymentMethodService *methods, CustomerCreditService *credits,
                                        ReferralProgram *referrals)
{
    m_methods = methods;
    m_credits = credits;
    m_referrals = referrals;
    if (m_methods)
        connect(m_methods, &PaymentMethodService::operationDone, this, [this](const OutboxEntry &, const QString &id) {
            m_methodsLoadedAt.remove(id); // read the list from Stripe again
            if (id.isEmpty() || id == selectedId())
                refreshDetail();
        });
    if (m_credits)
        connect(m_credits, &CustomerCreditService::creditFinished, this, [this](const OutboxEntry &, const QString &id) {
            if (id == selectedId())
                refreshDetail();
        });
    if (m_referrals)
        connect(m_referrals, &ReferralProgram::referralChanged, this,
                [this](qint64, const QString &referrer, const QString &referee) {
                    if (referrer == selectedId() || referee == selectedId())
                        refreshDetail();
                });
    refreshDetail();
}

namespace {

const QString TableStyle = QStringLiteral("<table cellspacing=\"0\" cellpadding=\"3\" width=\"100%\">");
QString th(const QString &t, bool right = false)
{
    return QStringLiteral("<th align=\"%1\" style=\"color:#5f6368; font-weight:600;\">%2</th>")
        .arg(right ? QStringLiteral("right") : QStringLiteral("left"), t.toHtmlEscaped());
}
QString td(const QString &t, bool right = false, const QString &color = {})
{
    return QStringLiteral("<td align=\"%1\"%2>%3</td>")
        .arg(right ? QStringLiteral("right") : QStringLiteral("left"),
             color.isEmpty() ? QString() : QStringLiteral(" style=\"color:%1;\"").arg(color), t.toHtmlEscaped());
}
// A cell that never wraps (dates and amounts: "26 Nov 2026" on one line).
QString tdKeep(const QString &t, bool right = false, const QString &color = {})
{
    QString kept = t;
    return td(kept.replace(QLatin1Char(' '), QChar(0x00A0)), right, color);
}

} // namespace

void CustomersPage::fillPaymentMethods(const Customer &customer, QLabel *label)
{
    // The cache first (instant, offline); a full sync brings only each customer's default method,
    // so the customer's whole list is read from Stripe once a minute at most, then shown again.
    renderPaymentMethods(customer.id, customer.defaultPaymentMethod, label);
    const QDateTime loaded = m_methodsLoadedAt.value(customer.id);
    if (loaded.isValid() && loaded.secsTo(QDateTime::currentDateTimeUtc()) < 60)
        return;
    QPointer<QLabel> guard(label);
    const QString customerId = customer.id;
    m_methods->load(customerId, label, [this, guard, customerId](Result<PaymentMethodsView> view) {
        if (!view)
            return; // the cached list stays; the Payment methods dialog shows the error
        m_methodsLoadedAt.insert(customerId, QDateTime::currentDateTimeUtc());
        if (guard)
            renderPaymentMethods(customerId, view->defaultPaymentMethod, guard);
    });
}

void CustomersPage::renderPaymentMethods(const QString &customerId, const QString &defaultId, QLabel *label)
{
    QPointer<QLabel> guard(label);
    m_methods->cached(customerId, label, [this, guard, customerId, defaultId](Result<QList<PaymentMethod>> methods) {
        if (!guard)
            return;
        if (!methods) {
            guard->setText(methods.error().userMessage.toHtmlEscaped());
            return;
        }
        SubscriptionQuery q;
        q.customerId = customerId;
        q.limit = 50;
        const QList<PaymentMethod> list = *methods;
        m_reader->subscriptions(q, guard, [guard, list, defaultId](Result<QList<SubscriptionRow>> subs) {
            if (!guard)
                return;
            if (list.isEmpty()) {
                guard->setText(tr("No payment method on file. Use <i>Payment methods…</i> to send the customer a "
                                  "link where they add one."));
                return;
            }
            QString html = TableStyle + QStringLiteral("<tr>") + th(tr("Method")) + th(tr("Used for")) + QStringLiteral("</tr>");
            for (const PaymentMethod &m : list) {
                QStringList uses;
                if (m.id == defaultId)
                    uses << tr("Customer default");
                if (subs) {
                    for (const SubscriptionRow &s : *subs) {
                        const Subscription &sub = s.subscription;
                        if (sub.status == QLatin1String("canceled") || sub.status == QLatin1String("incomplete_expired"))
                            continue;
                        const QString effective = sub.defaultPaymentMethod.isEmpty() ? defaultId : sub.defaultPaymentMethod;
                        if (effective == m.id)
                            uses << (s.planName.isEmpty() ? sub.id : s.planName);
                    }
                }
                html += QStringLiteral("<tr>") + td(paymentMethodLabel(m))
                    + td(uses.isEmpty() ? tr("—") : uses.join(QStringLiteral(", ")), false,
                         m.id == defaultId ? QStringLiteral("#137333") : QString())
                    + QStringLiteral("</tr>");
            }
            guard->setText(html + QStringLiteral("</table>"));
        });
    });
}

void CustomersPage::fillCredit(const QString &customerId, QLabel *label)
{
    QPointer<QLabel> guard(label);
    m_credits->load(customerId, label, [guard](Result<CreditLedger> ledger) {
        if (!guard)
            return;
        if (!ledger) {
            guard->setText(tr("Not available: %1").arg(ledger.error().userMessage).toHtmlEscaped());
            return;
        }
        const QLocale loc = guard->locale();
        QString html = QStringLiteral("<p><b>%1</b></p>").arg(balanceInWords(ledger->balance, loc).toHtmlEscaped());
        if (ledger->transactions.isEmpty()) {
            guard->setText(html + tr("No credits or debits yet."));
            return;
        }
        html += QStringLiteral("<p style=\"color:#5f6368;\">%1</p>")
                    .arg(tr("Credits %1 · Debits %2 · %n entries", nullptr, int(ledger->transactions.size()))
                             .arg(ledger->totalCredits().toLocaleString(loc), ledger->totalDebits().toLocaleString(loc))
                             .toHtmlEscaped());
        html += TableStyle + QStringLiteral("<tr>") + th(tr("Date")) + th(tr("Entry")) + th(tr("Credit"), true)
            + th(tr("Debit"), true) + th(tr("Balance after"), true) + QStringLiteral("</tr>");
        const int shown = int(qMin<qsizetype>(ledger->transactions.size(), 12));
        for (int i = 0; i < shown; ++i) {
            const BalanceTransaction &t = ledger->transactions.at(i);
            const Money abs(t.isCredit() ? -t.amount.minor() : t.amount.minor(), t.amount.currency());
            const Money end = t.endingBalance;
            const QString after = end.isZero() ? tr("none")
                : end.isNegative() ? tr("credit %1").arg(Money(-end.minor(), end.currency()).toLocaleString(loc))
                                   : tr("owes %1").arg(end.toLocaleString(loc));
            QString entry = balanceTransactionKind(t);
            if (!t.description.isEmpty() && t.metadata.value(QStringLiteral("kind")) != QLatin1String("goodwill"))
                entry += QStringLiteral(": ") + t.description;
            else if (!t.metadata.value(QStringLiteral("reason")).isEmpty())
                entry += QStringLiteral(": ") + t.metadata.value(QStringLiteral("reason"));
            html += QStringLiteral("<tr>") + tdKeep(loc.toString(t.created.toLocalTime().date(), QLocale::ShortFormat)) + td(entry)
                + tdKeep(t.isCredit() ? abs.toLocaleString(loc) : QString(), true, QStringLiteral("#137333"))
                + tdKeep(t.isCredit() ? QString() : abs.toLocaleString(loc), true, QStringLiteral("#b3261e")) + td(after, true)
                + QStringLiteral("</tr>");
        }
        html += QStringLiteral("</table>");
        if (shown < ledger->transactions.size())
            html += QStringLiteral("<p style=\"color:#5f6368;\">%1</p>")
                        .arg(tr("and %n older entries", nullptr, int(ledger->transactions.size() - shown)).toHtmlEscaped());
        guard->setText(html);
    });
}

void CustomersPage::fillReferrals(const QString &customerId, QLabel *label)
{
    QPointer<QLabel> guard(label);
    m_referrals->referralsOf(customerId, label, [guard, customerId](Result<QList<Referral>> list) {
        if (!guard)
            return;
        if (!list) {
            guard->setText(list.error().userMessage.toHtmlEscaped());
            return;
        }
        auto status = [](const Referral &r) {
            if (r.status == QLatin1String("rewarded")) {
                const auto cur = Currency::fromCode(r.rewardCurrency);
                return cur ? tr("rewarded %1").arg(Money(r.rewardMinor, *cur).toDecimalString() + QLatin1Char(' ') + cur->code())
                           : tr("rewarded");
            }
            if (r.status == QLatin1String("rewarding"))
                return tr("reward on its way");
            if (r.status == QLatin1String("void"))
                return tr("cancelled");
            return tr("waiting for the first payment");
        };
        QStringList by;
        QStringList referred;
        for (const Referral &r : *list) {
            if (r.refereeId == customerId)
                by << QStringLiteral("%1 (%2)").arg(r.referrerId, status(r));
            else
                referred << QStringLiteral("%1 (%2)").arg(r.refereeId, status(r));
        }
        QString html = QStringLiteral("%1: %2<br>").arg(tr("Referred by").toHtmlEscaped(),
                                                         by.isEmpty() ? tr("nobody recorded") : by.join(QStringLiteral(", ")).toHtmlEscaped());
        html += QStringLiteral("%1: %2").arg(tr("Referrals").toHtmlEscaped(),
                                             referred.isEmpty() ? tr("none yet") : referred.join(QStringLiteral(", ")).toHtmlEscaped());
        guard->setText(html);
    });
}

// Every customer the pane's search and filters select (all pages, not only those loaded), in the
// pane's order, read on the export's own thread.
std::optional<TablePage::ReportExport> CustomersPage::reportExport() const
{
    ReportExport e;
    e.kind = ReportKind::Customers;
    e.filter.customerQuery = m_customers->query();
    return e;
}

} // namespace Billing

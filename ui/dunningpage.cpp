#include "ui/dunningpage.h"

#include "models/dunningtablemodel.h"
#include "models/formatting.h"
#include "services/dunning/declinecodes.h"
#include "services/storage/cachereader.h"
#include "ui/customerspage.h"
#include "ui/invoicespage.h"

#include <QComboBox>
#include <QToolButton>
#include <QLineEdit>
#include <QLabel>

namespace Billing {

DunningPage::DunningPage(CacheReader *reader, QWidget *parent)
    : TablePage(tr("Dunning"), new DunningTableModel(reader), parent), m_reader(reader)
{
    model()->setParent(this);
    m_dunning = static_cast<DunningTableModel *>(model());
    searchBox()->setPlaceholderText(tr("Search invoice number or customer…"));
    m_currency = makeCurrencyCombo(this);
    addFilterWidget(m_currency);
    connect(m_currency, &QComboBox::currentIndexChanged, this,
            [this] { m_dunning->setCurrency(m_currency->currentData().toString()); });
    m_stage = new QComboBox(this);
    m_stage->setObjectName(QStringLiteral("DunningStageFilter"));
    m_stage->addItem(tr("Any stage"), QString());
    m_stage->addItem(tr("New"), QStringLiteral("new"));
    m_stage->addItem(tr("Reminded"), QStringLiteral("reminded"));
    m_stage->addItem(tr("Escalated"), QStringLiteral("escalated"));
    m_stage->addItem(tr("Paused"), QStringLiteral("paused"));
    addFilterWidget(m_stage);
    connect(m_stage, &QComboBox::currentIndexChanged, this, [this] { m_dunning->setStageFilter(m_stage->currentData().toString()); });
    m_owner = new QComboBox(this);
    m_owner->setObjectName(QStringLiteral("DunningOwnerFilter"));
    m_owner->addItem(tr("Any owner"), QString());
    m_owner->addItem(tr("Unassigned"), QStringLiteral("-"));
    addFilterWidget(m_owner);
    connect(m_owner, &QComboBox::currentIndexChanged, this, [this] { m_dunning->setOwnerFilter(m_owner->currentData().toString()); });
    m_class = new QComboBox(this);
    m_class->setObjectName(QStringLiteral("DunningClassFilter"));
    m_class->addItem(tr("Any decline"), -1);
    m_class->addItem(tr("Soft (retry)"), int(DeclineClass::Soft));
    m_class->addItem(tr("Needs new card"), int(DeclineClass::NeedsPaymentMethod));
    m_class->addItem(tr("Hard (never retry)"), int(DeclineClass::Hard));
    addFilterWidget(m_class);
    m_class->insertSeparator(m_class->count()); // then the queue's own codes (updateDeclineCodes)
    connect(m_class, &QComboBox::currentIndexChanged, this, [this] {
        const QVariant v = m_class->currentData();
        const bool code = v.typeId() == QMetaType::QString;
        m_dunning->setDeclineCodeFilter(code ? v.toString() : QString());
        m_dunning->setDeclineClassFilter(code || v.toInt() < 0 ? std::nullopt : std::optional<DeclineClass>(DeclineClass(v.toInt())));
    });
    m_age = new QComboBox(this);
    m_age->setObjectName(QStringLiteral("DunningAgeFilter"));
    m_age->addItem(tr("Any age"), int(DunningTableModel::AnyAge));
    m_age->addItem(tr("Under 8 days overdue"), int(DunningTableModel::UnderAWeek));
    m_age->addItem(tr("8–30 days overdue"), int(DunningTableModel::OneToFourWeeks));
    m_age->addItem(tr("31–60 days overdue"), int(DunningTableModel::OneToTwoMonths));
    m_age->addItem(tr("Over 60 days overdue"), int(DunningTableModel::OverTwoMonths));
    addFilterWidget(m_age);
    connect(m_age, &QComboBox::currentIndexChanged, this,
            [this] { m_dunning->setAgeFilter(DunningTableModel::AgeFilter(m_age->currentData().toInt())); });
    m_retry = new QComboBox(this);
    m_retry->setObjectName(QStringLiteral("DunningRetryFilter"));
    m_retry->addItem(tr("Any next attempt"), int(DunningTableModel::AnyRetry));
    m_retry->addItem(tr("Retry within 24 hours"), int(DunningTableModel::RetryWithinADay));
    m_retry->addItem(tr("Retry planned"), int(DunningTableModel::RetryPlanned));
    m_retry->addItem(tr("No retry planned"), int(DunningTableModel::NoRetryPlanned));
    addFilterWidget(m_retry);
    connect(m_retry, &QComboBox::currentIndexChanged, this,
            [this] { m_dunning->setRetryFilter(DunningTableModel::RetryFilter(m_retry->currentData().toInt())); });
    // Customer, Invoice, Amount, Currency (hidden: in Amount), Decline code, Meaning (detail),
    // Attempts, Next attempt (customer time + zone), Why then (elastic), Days overdue, Stage, Owner, Last contact.
    setColumnWidths({120, 80, 90, 0, 132, 0, 84, 150, 240, 112, 84, 120, 92}, DunningTableModel::NextReason);
    setDetailWidth(270);
}

void DunningPage::setOverlayLoader(OverlayLoader loader)
{
    m_overlayLoader = std::move(loader);
    refreshOverlay();
}

void DunningPage::setZoneLoader(ZoneLoader loader)
{
    m_zoneLoader = std::move(loader);
    m_zones.clear();
    loadZones();
}

void DunningPage::loadZones()
{
    if (!m_zoneLoader)
        return;
    QStringList missing;
    for (const QString &id : m_dunning->customerIds())
        if (!m_zones.contains(id))
            missing << id;
    if (missing.isEmpty())
        return;
    m_zoneLoader(this, missing, [this](QHash<QString, CustomerTimeZone> zones) {
        m_zones.insert(zones);
        m_dunning->setCustomerZones(m_zones);
        refreshDetail();
    });
}

void DunningPage::refreshOverlay()
{
    if (!m_overlayLoader)
        return;
    m_overlayLoader(this, [this](QHash<QString, DunningOverlay> overlay) {
        m_dunning->setOverlay(overlay);
        updateOwners();
        refreshDetail();
    });
}

void DunningPage::updateOwners()
{
    const QString keep = m_owner->currentData().toString();
    for (const QString &o : m_dunning->owners())
        if (m_owner->findData(o) < 0)
            m_owner->addItem(o, o);
    if (!keep.isEmpty() && m_owner->findData(keep) < 0)
        m_owner->addItem(keep, keep);
}

void DunningPage::updateDeclineCodes()
{
    for (const QString &code : m_dunning->declineCodes())
        if (m_class->findData(code) < 0)
            m_class->addItem(code, code);
}

void DunningPage::addPageAction(QAction *action)
{
    auto *b = new QToolButton(this);
    b->setDefaultAction(action);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    addHeaderWidget(b);
}

void DunningPage::applySearch(const QString &text)
{
    m_dunning->setSearchText(text);
}

QString DunningPage::emptyText() const
{
    return tr("No failed payments — every open invoice is on track.");
}

bool DunningPage::hasActiveFilters() const
{
    return TablePage::hasActiveFilters() || m_currency->currentIndex() > 0 || m_stage->currentIndex() > 0
        || m_owner->currentIndex() > 0 || m_class->currentIndex() > 0 || m_age->currentIndex() > 0 || m_retry->currentIndex() > 0;
}

QString DunningPage::countText(int rows, bool) const
{
    const int queue = m_dunning->queueSize();
    if (rows < queue) // a filter the cache does not apply (stage, owner, decline, age, retry) hides some
        return tr("%1 of %2 failed payments").arg(locale().toString(rows), locale().toString(queue));
    return rows == 1 ? tr("1 failed payment") : tr("%1 failed payments").arg(locale().toString(rows));
}

void DunningPage::rowsReloaded()
{
    if (m_dunning->queueGeneration() != m_zonesGeneration) { // read from the cache again, not only rearranged
        m_zonesGeneration = m_dunning->queueGeneration();
        if (m_overlayLoader && m_dunning->queueSize() > 0)
            refreshOverlay(); // the same overlay does not rearrange the rows again
        m_zones.clear(); // a customer's metadata or address may have changed with the cache
        loadZones();
        updateDeclineCodes();
    }
    const QList<QPair<QString, qint64>> totals = m_dunning->remainingTotals();
    setFooterText(totals.isEmpty() ? QString() : tr("At risk:  %1").arg(formatTotals(totals, m_dunning->locale())));
}

void DunningPage::fillDetail(int row, DetailBuilder &d)
{
    const InvoiceRow &r = m_dunning->rowAt(row);
    const Invoice &i = r.invoice;
    const QLocale loc = m_dunning->locale();
    const QString code = r.declineCode.isEmpty() ? r.failureCode : r.declineCode;
    d.title(tr("Invoice %1").arg(i.number), i.id);
    d.field(tr("Customer"), Format::customer(r.customerName, r.customerEmail));
    d.field(tr("Remaining"), Format::money(i.amountRemainingMinor, i.currency, loc));
    const DeclineCodeInfo info = DeclineCodes::lookup(code);
    d.field(tr("Decline"), code.isEmpty() ? QString() : tr("%1 — %2").arg(code, info.meaning));
    if (!code.isEmpty())
        d.field(tr("Next step"), info.nextStep);
    if (!r.failureMessage.isEmpty())
        d.field(tr("Message"), r.failureMessage);
    d.field(tr("Attempts"), loc.toString(i.attemptCount));
    const RetryStep step = m_dunning->nextStep(r);
    const CustomerTimeZone zone = m_dunning->zoneFor(i.customerId);
    if (step.retry) {
        d.field(tr("Next attempt"), tr("%1 customer time").arg(m_dunning->customerTime(step.at, i.customerId)));
        d.field(tr("Your time"), m_dunning->userTime(step.at));
    } else {
        d.field(tr("Next attempt"), tr("No retry planned"));
    }
    d.field(tr("Time zone"), tr("%1 — %2").arg(QString::fromUtf8(zone.id()), zone.detail));
    d.field(tr("Why"), step.reason);
    d.field(tr("Stripe's next try"), i.nextPaymentAttempt.isValid() ? Format::dateTime(i.nextPaymentAttempt, loc) : tr("None scheduled"));
    const DunningOverlay o = m_dunning->overlayFor(i.id);
    d.field(tr("Stage"), m_dunning->data(m_dunning->index(row, DunningTableModel::Stage)).toString());
    d.field(tr("Owner"), o.owner.isEmpty() ? tr("Unassigned") : o.owner);
    d.field(tr("Last contact"), o.lastContactAt.isValid() ? tr("%1 (%2)").arg(Format::dateTime(o.lastContactAt, loc), o.lastContactKind) : tr("Never"));
    d.field(tr("Days overdue"), loc.toString(m_dunning->daysOverdue(i)));

    d.section(tr("Payment attempts"));
    QLabel *attempts = d.richText(tr("Loading attempts…"));
    m_reader->paymentAttempts(i.id, attempts, [attempts, loc](Result<QList<PaymentAttempt>> result) {
        if (!result.ok()) {
            attempts->setText(result.error().userMessage.toHtmlEscaped());
            return;
        }
        if (result->isEmpty()) {
            attempts->setText(tr("No attempts recorded."));
            return;
        }
        QString html = QStringLiteral("<table width=\"100%\" cellspacing=\"0\" cellpadding=\"3\">");
        for (const PaymentAttempt &a : result.value()) {
            const QString why = a.declineCode.isEmpty() ? a.failureCode : a.declineCode;
            html += QStringLiteral("<tr><td style=\"white-space:nowrap\">%1</td><td>%2</td><td align=\"right\" style=\"white-space:nowrap\">%3</td></tr>")
                        .arg(Format::dateTime(a.created, loc).toHtmlEscaped(),
                             QStringLiteral("<span style=\"color:#991b1b\">%1</span>").arg(Format::declineMeaning(why).toHtmlEscaped()),
                             Format::money(a.amountMinor, a.currency, loc).toHtmlEscaped());
        }
        html += QStringLiteral("</table>");
        attempts->setText(html);
    });
    addInvoiceLines(d, m_reader, i.id, loc);
    d.links({{tr("Open hosted invoice"), i.hostedInvoiceUrl}, {tr("Open PDF"), i.invoicePdf}});
}

} // namespace Billing

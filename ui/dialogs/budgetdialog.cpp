#include "ui/dialogs/budgetdialog.h"

#include "models/formatting.h"
#include "services/budgets/budgetservice.h"
#include "services/domain/currency.h"
#include "services/domain/money.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QStyle>
#include <QVBoxLayout>

namespace Billing {

namespace {

QString thresholdsText(const QList<int> &t)
{
    QStringList parts;
    for (int p : t)
        parts << QString::number(p);
    return parts.join(QStringLiteral(", "));
}

} // namespace

BudgetDialog::BudgetDialog(BudgetService *service, const Customer &customer,
                           const std::optional<SubscriptionRow> &subscription, QWidget *parent)
    : QDialog(parent), m_service(service), m_customer(customer), m_subscription(subscription)
{
    setObjectName(QStringLiteral("BudgetDialog"));
    setWindowTitle(tr("Budget for %1").arg(Format::customer(customer.name, customer.email)));
    setMinimumWidth(560);

    auto *root = new QVBoxLayout(this);
    root->setContentsMargins(20, 18, 20, 16);
    root->setSpacing(12);
    auto *title = new QLabel(tr("Monthly budget"));
    title->setObjectName(QStringLiteral("DialogTitle"));
    QFont f = title->font();
    f.setPointSizeF(f.pointSizeF() * 1.3);
    f.setBold(true);
    title->setFont(f);
    auto *subtitle = new QLabel(tr("%1 · %2. Alerts fire once per threshold each calendar month (UTC).")
                                    .arg(Format::customer(customer.name, customer.email), customer.id));
    subtitle->setWordWrap(true);
    subtitle->setObjectName(QStringLiteral("DialogSubtitle"));
    root->addWidget(title);
    root->addWidget(subtitle);

    auto *form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    form->setHorizontalSpacing(14);
    form->setVerticalSpacing(9);

    m_budgets = new QComboBox;
    m_budgets->setObjectName(QStringLiteral("budget"));
    m_budgets->addItem(tr("New budget"), qint64(0));
    form->addRow(tr("Budget"), m_budgets);

    m_scope = new QComboBox;
    m_scope->setObjectName(QStringLiteral("scope"));
    m_scope->addItem(tr("Whole customer (every subscription)"), budgetScopeName(BudgetScope::Customer));
    if (subscription)
        m_scope->addItem(tr("Subscription %1 (%2)")
                             .arg(subscription->subscription.id,
                                  subscription->planName.isEmpty() ? subscription->subscription.status
                                                                   : subscription->planName),
                         budgetScopeName(BudgetScope::Subscription));
    form->addRow(tr("Applies to"), m_scope);

    const QString currency = !customer.currency.isEmpty()
                                 ? customer.currency
                                 : (subscription ? subscription->subscription.currency : QString());
    m_unit = new QComboBox;
    m_unit->setObjectName(QStringLiteral("unit"));
    if (!currency.isEmpty())
        m_unit->addItem(tr("Money (%1)").arg(currency.toUpper()), currency.toLower());
    m_unit->addItem(tr("Units of a meter"), QString());
    form->addRow(tr("Measure"), m_unit);

    auto *limitRow = new QHBoxLayout;
    m_limit = new QLineEdit;
    m_limit->setObjectName(QStringLiteral("limit"));
    m_limit->setPlaceholderText(tr("per calendar month"));
    m_limitUnit = new QLabel;
    m_limitUnit->setMinimumWidth(90);
    limitRow->addWidget(m_limit, 1);
    limitRow->addWidget(m_limitUnit);
    form->addRow(tr("Limit"), limitRow);

    m_meter = new QComboBox;
    m_meter->setObjectName(QStringLiteral("meter"));
    m_meter->setEditable(true);
    m_meter->lineEdit()->setPlaceholderText(tr("meter event name, such as api_calls"));
    form->addRow(tr("Meter"), m_meter);

    m_price = new QLineEdit;
    m_price->setObjectName(QStringLiteral("price"));
    m_price->setPlaceholderText(tr("optional: price_… that charges the meter's usage"));
    m_priceLabel = new QLabel(tr("Usage price"));
    form->addRow(m_priceLabel, m_price);

    m_thresholds = new QLineEdit(QStringLiteral("50, 80, 100"));
    m_thresholds->setObjectName(QStringLiteral("thresholds"));
    m_thresholds->setToolTip(tr("Percentages of the limit, rising, 1 to %1").arg(Budget::MaxThresholdPercent));
    form->addRow(tr("Alert at (%)"), m_thresholds);

    m_action = new QComboBox;
    m_action->setObjectName(QStringLiteral("action"));
    for (LimitAction a : {LimitAction::Notify, LimitAction::Flag, LimitAction::Pause, LimitAction::Cap})
        m_action->addItem(limitActionLabel(a), limitActionName(a));
    form->addRow(tr("At the limit"), m_action);
    m_actionHint = new QLabel;
    m_actionHint->setWordWrap(true);
    m_actionHint->setObjectName(QStringLiteral("Hint"));
    m_actionHint->setStyleSheet(QStringLiteral("color: #6b7280;"));
    form->addRow(QString(), m_actionHint);
    m_stripeAlert = new QCheckBox(tr("Also watch the limit in Stripe (a one-time billing alert on the meter)"));
    m_stripeAlert->setObjectName(QStringLiteral("stripeAlert"));
    form->addRow(QString(), m_stripeAlert);
    root->addLayout(form);

    m_message = new QLabel;
    m_message->setObjectName(QStringLiteral("SaveError"));
    m_message->setWordWrap(true);
    m_message->hide();
    root->addWidget(m_message);
    root->addStretch();

    auto *buttons = new QDialogButtonBox;
    m_save = buttons->addButton(tr("Save budget"), QDialogButtonBox::AcceptRole);
    m_save->setObjectName(QStringLiteral("save"));
    m_save->setDefault(true);
    m_archive = buttons->addButton(tr("Archive budget"), QDialogButtonBox::DestructiveRole);
    m_archive->setObjectName(QStringLiteral("archive"));
    auto *close = buttons->addButton(QDialogButtonBox::Close);
    root->addWidget(buttons);

    connect(m_save, &QPushButton::clicked, this, &BudgetDialog::save);
    connect(m_archive, &QPushButton::clicked, this, &BudgetDialog::archive);
    connect(close, &QPushButton::clicked, this, &QDialog::reject);
    connect(m_unit, &QComboBox::currentIndexChanged, this, &BudgetDialog::updateFields);
    connect(m_action, &QComboBox::currentIndexChanged, this, &BudgetDialog::updateFields);
    connect(m_budgets, &QComboBox::currentIndexChanged, this, &BudgetDialog::showBudget);

    if (m_service) {
        m_service->meters(this, [this](Result<QStringList> meters) {
            if (!meters)
                return;
            const QString typed = m_meter->currentText();
            m_meter->addItems(*meters);
            m_meter->setCurrentText(typed.isEmpty() && !meters->isEmpty() ? meters->first() : typed);
        });
        loadBudgets(0);
    }
    updateFields();
}

void BudgetDialog::loadBudgets(qint64 select)
{
    setBusy(true);
    m_service->budgets(m_customer.id, this, [this, select](Result<QList<Budget>> rows) {
        setBusy(false);
        if (!rows) {
            setMessage(rows.error().userMessage, true);
            Q_EMIT idle();
            return;
        }
        m_list.clear();
        for (const Budget &b : std::as_const(*rows)) {
            if (b.active)
                m_list << b;
        }
        const QSignalBlocker block(m_budgets);
        m_budgets->clear();
        m_budgets->addItem(tr("New budget"), qint64(0));
        int selectIndex = 0;
        for (const Budget &b : std::as_const(m_list)) {
            const QString limit = b.unit == BudgetUnit::Money ? Format::money(b.limit, b.currency, locale())
                                                              : tr("%1 %2").arg(locale().toString(b.limit), b.meter);
            m_budgets->addItem(tr("#%1: %2 a month%3")
                                   .arg(b.id)
                                   .arg(limit, b.scope == BudgetScope::Subscription
                                                   ? tr(" on %1").arg(b.subscriptionId)
                                                   : QString()),
                               b.id);
            if (b.id == select || (select == 0 && selectIndex == 0))
                selectIndex = m_budgets->count() - 1;
        }
        m_budgets->setCurrentIndex(selectIndex);
        showBudget(selectIndex);
        Q_EMIT idle();
    });
}

void BudgetDialog::showBudget(int index)
{
    const qint64 id = m_budgets->itemData(index).toLongLong();
    const auto it = std::find_if(m_list.cbegin(), m_list.cend(), [id](const Budget &b) { return b.id == id; });
    if (it == m_list.cend()) {
        m_archive->setEnabled(false);
        updateFields();
        return;
    }
    const Budget &b = *it;
    m_scope->setCurrentIndex(qMax(0, m_scope->findData(budgetScopeName(b.scope))));
    m_unit->setCurrentIndex(qMax(0, m_unit->findData(b.unit == BudgetUnit::Money ? b.currency : QString())));
    if (b.unit == BudgetUnit::Money) {
        const std::optional<Currency> cur = Currency::fromCode(b.currency);
        m_limit->setText(cur ? Money(b.limit, *cur).toDecimalString() : QString::number(b.limit));
    } else {
        m_limit->setText(QString::number(b.limit));
    }
    m_meter->setCurrentText(b.meter);
    m_price->setText(b.priceId);
    m_thresholds->setText(thresholdsText(b.thresholds));
    m_action->setCurrentIndex(qMax(0, m_action->findData(limitActionName(b.action))));
    m_archive->setEnabled(!m_busy);
    updateFields();
}

void BudgetDialog::updateFields()
{
    const bool money = !m_unit->currentData().toString().isEmpty();
    m_limitUnit->setText(money ? m_unit->currentData().toString().toUpper() : tr("units a month"));
    m_price->setEnabled(money);
    m_priceLabel->setEnabled(money);
    m_stripeAlert->setEnabled(!money);
    if (money)
        m_stripeAlert->setChecked(false);
    switch (limitActionFromName(m_action->currentData().toString()).value_or(LimitAction::Notify)) {
    case LimitAction::Notify: m_actionHint->setText(tr("Alerts only; nothing changes for the customer.")); break;
    case LimitAction::Flag:
        m_actionHint->setText(tr("At 100% the account is flagged in the alert centre for follow-up."));
        break;
    case LimitAction::Pause:
        m_actionHint->setText(tr("At 100% payment collection is paused on the subscription(s) through the outbox, "
                                 "once; invoices stay as drafts until someone resumes it."));
        break;
    case LimitAction::Cap:
        m_actionHint->setText(tr("At 100% the cap is recorded: usage above the limit is not billed this month."));
        break;
    }
    const bool existing = m_budgets->currentData().toLongLong() != 0;
    m_archive->setVisible(existing);
}

Result<Budget> BudgetDialog::budgetFromForm() const
{
    Budget b;
    const qint64 id = m_budgets->currentData().toLongLong();
    if (id != 0) {
        for (const Budget &existing : m_list) {
            if (existing.id == id)
                b = existing;
        }
    }
    b.customerId = m_customer.id;
    const std::optional<BudgetScope> scope = budgetScopeFromName(m_scope->currentData().toString());
    b.scope = scope.value_or(BudgetScope::Customer);
    b.subscriptionId = b.scope == BudgetScope::Subscription && m_subscription ? m_subscription->subscription.id : QString();
    const QString currency = m_unit->currentData().toString();
    b.meter = m_meter->currentText().trimmed();
    const QString limitText = m_limit->text().trimmed();
    if (limitText.isEmpty())
        return Error::make(Error::Kind::Validation, tr("Enter the monthly limit."));
    if (!currency.isEmpty()) {
        b.unit = BudgetUnit::Money;
        b.currency = currency;
        b.priceId = m_price->text().trimmed();
        const std::optional<Currency> cur = Currency::fromCode(currency);
        if (!cur)
            return Error::make(Error::Kind::Validation, tr("The customer's currency %1 is not known.").arg(currency));
        // Zero and negative amounts parse, so the budget rules explain why they are refused.
        Result<Money> amount = Money::parse(limitText, *cur, locale(), {true, true, false});
        if (!amount)
            return amount.error();
        b.limit = amount->minor();
    } else {
        b.unit = BudgetUnit::Units;
        b.currency.clear();
        b.priceId.clear();
        bool ok = false;
        b.limit = locale().toLongLong(limitText, &ok);
        if (!ok)
            b.limit = limitText.toLongLong(&ok);
        if (!ok)
            return Error::make(Error::Kind::Validation, tr("A limit in units is a whole number, such as 10000."));
    }
    b.thresholds.clear();
    for (QString part : m_thresholds->text().split(QRegularExpression(QStringLiteral("[,;\\s]+")), Qt::SkipEmptyParts)) {
        part.remove(QLatin1Char('%'));
        bool ok = false;
        const int v = part.toInt(&ok);
        if (!ok)
            return Error::make(Error::Kind::Validation,
                               tr("Thresholds are whole percentages separated by commas, such as 50, 80, 100."));
        b.thresholds << v;
    }
    b.action = limitActionFromName(m_action->currentData().toString()).value_or(LimitAction::Notify);
    if (Status s = validateBudget(b, m_customer.currency); !s)
        return s.error();
    return b;
}

void BudgetDialog::save()
{
    if (!m_service || m_busy)
        return;
    Result<Budget> b = budgetFromForm();
    if (!b) {
        setMessage(b.error().userMessage, true);
        Q_EMIT idle();
        return;
    }
    setBusy(true);
    setMessage(tr("Saving…"), false);
    m_service->save(*b, this, [this](Result<Budget> stored) {
        setBusy(false);
        if (!stored) {
            setMessage(stored.error().userMessage, true);
            Q_EMIT idle();
            return;
        }
        setMessage(tr("Budget #%1 saved. It is evaluated on the next refresh.").arg(stored->id), false);
        Q_EMIT saved(*stored);
        if (m_stripeAlert->isChecked() && stored->unit == BudgetUnit::Units) {
            m_service->mirrorToStripe(*stored, this, [this, id = stored->id](Result<OutboxEntry> entry) {
                setMessage(entry ? tr("Budget #%1 saved; the Stripe billing alert is queued (outbox entry %2).")
                                       .arg(id)
                                       .arg(entry->id)
                                 : tr("Budget #%1 saved, but no Stripe alert: %2").arg(id).arg(entry.error().userMessage),
                           !entry);
            });
        }
        loadBudgets(stored->id);
    });
}

void BudgetDialog::archive()
{
    const qint64 id = m_budgets->currentData().toLongLong();
    if (!m_service || m_busy || id == 0)
        return;
    qint64 version = 0;
    for (const Budget &b : std::as_const(m_list)) {
        if (b.id == id)
            version = b.version;
    }
    setBusy(true);
    m_service->archive(id, version, this, [this](Result<Budget> r) {
        setBusy(false);
        if (!r) {
            setMessage(r.error().userMessage, true);
            Q_EMIT idle();
            return;
        }
        setMessage(tr("Budget #%1 archived; its alerts stay in the alert centre.").arg(r->id), false);
        loadBudgets(0);
    });
}

void BudgetDialog::setMessage(const QString &text, bool error)
{
    m_message->setObjectName(error ? QStringLiteral("SaveError") : QStringLiteral("SaveOk"));
    m_message->setStyleSheet(error ? QString()
                                   : QStringLiteral("color: #065f46; background: #d1fae5; border: 1px solid #a7f3d0; "
                                                    "border-radius: 6px; padding: 8px 10px;"));
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
    m_message->style()->unpolish(m_message);
    m_message->style()->polish(m_message);
}

void BudgetDialog::setBusy(bool busy)
{
    m_busy = busy;
    m_save->setEnabled(!busy);
    m_archive->setEnabled(!busy && m_budgets->currentData().toLongLong() != 0);
}

} // namespace Billing

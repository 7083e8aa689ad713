#include "ui/dialogs/referraldialog.h"
#include "ui/dialogs/operationstatuspanel.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace Billing {

ReferralDialog::ReferralDialog(ReferralProgram *program, const QString &customerId, const QString &customerLabel,
                               const QString &actor, QWidget *parent)
    : QDialog(parent), m_program(program), m_customerId(customerId), m_actor(actor)
{
    setWindowTitle(tr("Record referral"));
    setMinimumWidth(520);
    auto *who = new QLabel(tr("<b>%1</b> (%2)").arg(customerLabel.toHtmlEscaped(), customerId), this);
    who->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_direction = new QComboBox(this);
    m_direction->setObjectName(QStringLiteral("direction"));
    m_direction->addItem(tr("was referred by"), QStringLiteral("referee"));
    m_direction->addItem(tr("referred"), QStringLiteral("referrer"));
    m_other = new QLineEdit(this);
    m_other->setObjectName(QStringLiteral("otherCustomer"));
    m_other->setPlaceholderText(tr("The other customer's ID (cus_…)"));
    m_code = new QLineEdit(this);
    m_code->setObjectName(QStringLiteral("code"));
    m_code->setPlaceholderText(tr("Optional: the referral code used"));
    m_code->setMaxLength(100);
    m_note = new QLineEdit(this);
    m_note->setObjectName(QStringLiteral("note"));
    m_note->setMaxLength(500);
    m_note->setPlaceholderText(tr("Optional: for the record"));
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Customer:"), who);
    form->addRow(QString(), m_direction);
    form->addRow(tr("&Other customer:"), m_other);
    form->addRow(tr("&Code:"), m_code);
    form->addRow(tr("&Note:"), m_note);
    m_rules = new QLabel(this);
    m_rules->setObjectName(QStringLiteral("rules"));
    m_rules->setWordWrap(true);
    m_rules->setStyleSheet(QStringLiteral("color: #5f6368;"));
    m_status = OperationStatusPanel::createStatusLabel(this);
    QDialogButtonBox *buttons = OperationStatusPanel::createButtons(this, &m_confirm);
    m_confirm->setText(tr("Record"));
    m_confirm->setObjectName(QStringLiteral("confirm"));
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_rules);
    layout->addWidget(m_status);
    layout->addStretch(1);
    layout->addWidget(buttons);
    connect(m_other, &QLineEdit::textChanged, this, &ReferralDialog::updateValidity);
    connect(m_confirm, &QPushButton::clicked, this, &ReferralDialog::confirm);
    m_rules->setText(tr("Loading the reward rules…"));
    m_program->rules(this, [this](Result<QList<ReferralRule>> rules) {
        if (!rules) {
            m_rules->setText(tr("Reward rules could not be read: %1").arg(rules.error().userMessage));
            return;
        }
        QStringList parts;
        for (const ReferralRule &r : *rules) {
            if (const auto cur = Currency::fromCode(r.currency))
                parts << Money(r.rewardMinor, *cur).toLocaleString(locale());
        }
        m_rules->setText(parts.isEmpty()
                             ? tr("No reward rule is set yet: the referral is recorded, and rewarded once a rule for "
                                  "the referrer's currency exists.")
                             : tr("When the referred customer pays their first invoice, the referrer gets a credit of %1 "
                                  "(in the referrer's currency), once.")
                                   .arg(parts.join(tr(" or "))));
    });
    updateValidity();
}

ReferralDialog::~ReferralDialog() = default;

void ReferralDialog::updateValidity()
{
    const QString other = m_other->text().trimmed();
    const bool ok = other.startsWith(QLatin1String("cus_")) && other.size() > 4 && other != m_customerId && !m_recorded;
    m_confirm->setEnabled(ok);
    if (other == m_customerId)
        OperationStatusPanel::showStatus(m_status, tr("A customer cannot refer themselves."), QStringLiteral("#b3261e"));
    else if (!m_recorded)
        OperationStatusPanel::showStatus(m_status, {}, {});
}

void ReferralDialog::confirm()
{
    Referral r;
    const bool isReferee = m_direction->currentData().toString() == QLatin1String("referee");
    r.referrerId = isReferee ? m_other->text().trimmed() : m_customerId;
    r.refereeId = isReferee ? m_customerId : m_other->text().trimmed();
    r.code = m_code->text();
    r.note = m_note->text();
    r.actor = m_actor;
    m_confirm->setEnabled(false);
    m_program->record(r, this, [this](Result<Referral> saved) {
        if (!saved) {
            OperationStatusPanel::showStatus(m_status, saved.error().userMessage, QStringLiteral("#b3261e"));
            updateValidity();
            Q_EMIT recordFinished(false);
            return;
        }
        m_recorded = *saved;
        OperationStatusPanel::showStatus(m_status,
                                         tr("Recorded: %1 referred %2. The reward follows when %2 has paid their first invoice.")
                                             .arg(saved->referrerId, saved->refereeId),
                                         QStringLiteral("#137333"));
        updateValidity();
        Q_EMIT recordFinished(true);
    });
}

} // namespace Billing

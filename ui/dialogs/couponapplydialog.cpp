#include "ui/dialogs/couponapplydialog.h"
#include "ui/dialogs/operationstatuspanel.h"

#include "models/coupontablemodel.h"
#include "services/outbox/outboxservice.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QUuid>
#include <QVBoxLayout>

namespace Billing {

namespace {
const QString ErrorTone = QStringLiteral("#b3261e");
const QString PendingTone = QStringLiteral("#6b5900");
const QString DoneTone = QStringLiteral("#1e6b32");
} // namespace

CouponApplyDialog::CouponApplyDialog(CouponService *coupons, PromotionCodeService *codes, OutboxService *outbox,
                                     const QString &subscriptionId, const QString &label, const Currency &currency, QWidget *parent)
    : QDialog(parent), m_coupons(coupons), m_codes(codes), m_outbox(outbox), m_subscriptionId(subscriptionId), m_currency(currency)
{
    setObjectName(QStringLiteral("CouponApplyDialog"));
    setWindowTitle(tr("Apply a discount"));
    setMinimumWidth(560);
    m_sessionId = QStringLiteral("discount:%1:%2").arg(subscriptionId, QUuid::createUuid().toString(QUuid::WithoutBraces));
    auto *layout = new QVBoxLayout(this);
    auto *header = OperationStatusPanel::createSummaryLabel(this, 1.15);
    header->setText(tr("Discount for %1").arg(label));
    layout->addWidget(header);
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_byCoupon = new QRadioButton(tr("Coupon"), this);
    m_byCoupon->setObjectName(QStringLiteral("byCoupon"));
    m_byCoupon->setChecked(true);
    m_coupon = new QComboBox(this);
    m_coupon->setObjectName(QStringLiteral("coupon"));
    form->addRow(m_byCoupon, m_coupon);
    m_byCode = new QRadioButton(tr("Promotion code"), this);
    m_byCode->setObjectName(QStringLiteral("byCode"));
    m_code = new QLineEdit(this);
    m_code->setObjectName(QStringLiteral("code"));
    m_code->setPlaceholderText(tr("What the customer typed"));
    form->addRow(m_byCode, m_code);
    layout->addLayout(form);
    m_hint = new QLabel(tr("The discount replaces any discount the subscription has now."), this);
    m_hint->setObjectName(QStringLiteral("hint"));
    m_hint->setWordWrap(true);
    layout->addWidget(m_hint);
    m_status = OperationStatusPanel::createStatusLabel(this);
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setMinimumHeight(m_status->fontMetrics().lineSpacing() * 3 + 4); // room for a refusal without clipping
    layout->addWidget(m_status);
    layout->addWidget(OperationStatusPanel::createButtons(this, &m_apply));
    m_apply->setObjectName(QStringLiteral("confirm"));
    m_apply->setText(tr("Apply"));
    for (QRadioButton *r : {m_byCoupon, m_byCode})
        connect(r, &QRadioButton::toggled, this, &CouponApplyDialog::refresh);
    connect(m_coupon, &QComboBox::currentIndexChanged, this, &CouponApplyDialog::refresh);
    connect(m_code, &QLineEdit::textChanged, this, &CouponApplyDialog::refresh);
    connect(m_apply, &QPushButton::clicked, this, &CouponApplyDialog::apply);
    setState(State::Loading, tr("Loading coupons…"), PendingTone);
    m_coupons->list(this, [this](Result<QList<Coupon>> r) {
        if (!r)
            return setState(State::Failed, r.error().userMessage, ErrorTone);
        m_list = r.value();
        const QLocale locale;
        for (const Coupon &c : std::as_const(m_list)) {
            if (!c.valid || (c.maxRedemptions && c.timesRedeemed >= *c.maxRedemptions))
                continue;
            m_coupon->addItem(QStringLiteral("%1 (%2, %3)").arg(c.name.isEmpty() ? c.id : c.name, CouponTableModel::offText(c, locale),
                                                                CouponTableModel::durationText(c).toLower()),
                              c.id);
        }
        setState(State::Editing, QString(), QString());
    });
}

CouponApplyDialog::~CouponApplyDialog() = default;

void CouponApplyDialog::refresh()
{
    m_coupon->setEnabled(m_byCoupon->isChecked());
    m_code->setEnabled(m_byCode->isChecked());
    QString problem;
    if (m_byCoupon->isChecked()) {
        const QString id = m_coupon->currentData().toString();
        for (const Coupon &c : std::as_const(m_list)) {
            if (c.id == id && m_currency.isValid()) {
                if (Status st = CouponService::checkCurrency(c, m_currency); !st)
                    problem = st.error().userMessage;
            }
        }
    }
    if (!problem.isEmpty())
        OperationStatusPanel::showStatus(m_status, problem, ErrorTone);
    else if (m_state == State::Editing)
        OperationStatusPanel::showStatus(m_status, QString(), QString());
    const bool chosen = m_byCoupon->isChecked() ? m_coupon->currentIndex() >= 0 : !m_code->text().trimmed().isEmpty();
    m_apply->setEnabled(problem.isEmpty() && chosen && (m_state == State::Editing || m_state == State::Failed));
}

void CouponApplyDialog::setState(State state, const QString &text, const QString &tone)
{
    m_state = state;
    if (!text.isNull())
        OperationStatusPanel::showStatus(m_status, text, tone);
    refresh();
    Q_EMIT stateChanged(state);
}

void CouponApplyDialog::apply()
{
    setState(State::Sending, tr("Checking and sending…"), PendingTone);
    auto queued = [this](Result<OutboxEntry> r) {
        if (!r)
            return setState(State::Failed, r.error().userMessage, ErrorTone);
        m_entryId = r->id;
        auto done = [this](const OutboxEntry &e) {
            if (e.state == OutboxState::Succeeded)
                setState(State::Applied, tr("Stripe applied the discount."), DoneTone);
            else
                setState(State::Failed, e.errorMessage.isEmpty() ? tr("Stripe did not apply the discount.") : e.errorMessage, ErrorTone);
        };
        if (!r->isOpen())
            return done(r.value());
        setState(State::Queued, tr("Queued for Stripe…"), PendingTone);
        if (m_outbox) {
            connect(m_outbox, &OutboxService::entryChanged, this, [this, done](qint64 id) {
                if (id != m_entryId || m_state != State::Queued)
                    return;
                OperationStatusPanel::followEntry(
                    m_outbox, id, this, tr("Saved; it is sent when Stripe can be reached."), [this] { return m_state == State::Queued; },
                    [this](const QString &text) { OperationStatusPanel::showStatus(m_status, text, PendingTone); }, done);
            });
        }
    };
    if (m_byCoupon->isChecked())
        m_coupons->applyToSubscription(m_subscriptionId, m_coupon->currentData().toString(), m_sessionId, this, queued);
    else
        m_codes->applyToSubscription(m_subscriptionId, m_code->text().trimmed(), m_sessionId, this, queued);
}

} // namespace Billing

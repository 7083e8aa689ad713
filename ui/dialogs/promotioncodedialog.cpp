#include "ui/dialogs/promotioncodedialog.h"
#include "ui/dialogs/operationstatuspanel.h"

#include "models/coupontablemodel.h"
#include "services/outbox/outboxservice.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTimeZone>
#include <QUuid>
#include <QVBoxLayout>

namespace Billing {

namespace {
const QString ErrorTone = QStringLiteral("#b3261e");
const QString PendingTone = QStringLiteral("#6b5900");
const QString DoneTone = QStringLiteral("#1e6b32");
} // namespace

PromotionCodeDialog::PromotionCodeDialog(PromotionCodeService *service, OutboxService *outbox, const QList<Coupon> &coupons,
                                         const QString &selectedCouponId, QWidget *parent)
    : QDialog(parent), m_service(service), m_outbox(outbox)
{
    setObjectName(QStringLiteral("PromotionCodeDialog"));
    setWindowTitle(tr("New promotion code"));
    setMinimumWidth(540);
    m_sessionId = QStringLiteral("promotion_code:%1").arg(QUuid::createUuid().toString(QUuid::WithoutBraces));
    auto *layout = new QVBoxLayout(this);
    auto *header = OperationStatusPanel::createSummaryLabel(this, 1.15);
    header->setText(tr("New promotion code"));
    layout->addWidget(header);
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_coupon = new QComboBox(this);
    m_coupon->setObjectName(QStringLiteral("coupon"));
    const QLocale locale;
    for (const Coupon &c : coupons) {
        if (!c.valid)
            continue;
        m_coupon->addItem(QStringLiteral("%1 (%2)").arg(c.name.isEmpty() ? c.id : c.name, CouponTableModel::offText(c, locale)), c.id);
    }
    const int sel = m_coupon->findData(selectedCouponId);
    if (sel >= 0)
        m_coupon->setCurrentIndex(sel);
    form->addRow(tr("Coupon"), m_coupon);
    m_code = new QLineEdit(this);
    m_code->setObjectName(QStringLiteral("code"));
    m_code->setPlaceholderText(tr("What customers type, e.g. SPRING25 (empty: Stripe makes one)"));
    form->addRow(tr("Code"), m_code);
    layout->addLayout(form);

    auto *group = new QGroupBox(tr("Restrictions"), this);
    auto *rf = new QFormLayout(group);
    rf->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_customer = new QLineEdit(group);
    m_customer->setObjectName(QStringLiteral("customer"));
    m_customer->setPlaceholderText(tr("cus_… (empty: anyone)"));
    rf->addRow(tr("Only customer"), m_customer);
    m_firstTime = new QCheckBox(tr("Only customers who have never paid an invoice"), group);
    m_firstTime->setObjectName(QStringLiteral("firstTime"));
    rf->addRow(tr("First order"), m_firstTime);
    auto *minRow = new QHBoxLayout;
    m_minimumOn = new QCheckBox(tr("At least"), group);
    m_minimumOn->setObjectName(QStringLiteral("minimumOn"));
    m_minimum = new QLineEdit(group);
    m_minimum->setObjectName(QStringLiteral("minimum"));
    m_minimumCurrency = new QComboBox(group);
    m_minimumCurrency->setObjectName(QStringLiteral("minimumCurrency"));
    m_minimumCurrency->addItems({QStringLiteral("USD"), QStringLiteral("EUR"), QStringLiteral("GBP"), QStringLiteral("JPY")});
    minRow->addWidget(m_minimumOn);
    minRow->addWidget(m_minimum, 1);
    minRow->addWidget(m_minimumCurrency);
    rf->addRow(tr("Minimum amount"), minRow);
    auto *expRow = new QHBoxLayout;
    m_expires = new QCheckBox(tr("Expires on"), group);
    m_expires->setObjectName(QStringLiteral("expires"));
    m_expiresAt = new QDateEdit(QDate::currentDate().addMonths(1), group);
    m_expiresAt->setObjectName(QStringLiteral("expiresAt"));
    m_expiresAt->setCalendarPopup(true);
    expRow->addWidget(m_expires);
    expRow->addWidget(m_expiresAt, 1);
    rf->addRow(tr("Expiry"), expRow);
    auto *maxRow = new QHBoxLayout;
    m_limit = new QCheckBox(tr("At most"), group);
    m_limit->setObjectName(QStringLiteral("limit"));
    m_max = new QSpinBox(group);
    m_max->setObjectName(QStringLiteral("max"));
    m_max->setRange(1, 1000000);
    m_max->setValue(50);
    m_max->setSuffix(tr(" redemptions"));
    maxRow->addWidget(m_limit);
    maxRow->addWidget(m_max, 1);
    rf->addRow(tr("Redemptions"), maxRow);
    layout->addWidget(group);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("error"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: %1;").arg(ErrorTone));
    layout->addWidget(m_error);
    m_status = OperationStatusPanel::createStatusLabel(this);
    m_status->setObjectName(QStringLiteral("status"));
    layout->addWidget(m_status);
    layout->addWidget(OperationStatusPanel::createButtons(this, &m_create));
    m_create->setObjectName(QStringLiteral("confirm"));
    m_create->setText(tr("Create code"));

    for (QLineEdit *e : {m_code, m_customer, m_minimum})
        connect(e, &QLineEdit::textChanged, this, &PromotionCodeDialog::refresh);
    for (QCheckBox *c : {m_firstTime, m_minimumOn, m_expires, m_limit})
        connect(c, &QCheckBox::toggled, this, &PromotionCodeDialog::refresh);
    connect(m_coupon, &QComboBox::currentIndexChanged, this, &PromotionCodeDialog::refresh);
    connect(m_minimumCurrency, &QComboBox::currentIndexChanged, this, &PromotionCodeDialog::refresh);
    connect(m_expiresAt, &QDateEdit::dateChanged, this, &PromotionCodeDialog::refresh);
    connect(m_max, &QSpinBox::valueChanged, this, &PromotionCodeDialog::refresh);
    connect(m_create, &QPushButton::clicked, this, &PromotionCodeDialog::submit);
    refresh();
}

PromotionCodeDialog::~PromotionCodeDialog() = default;

Result<PromotionCodeDraft> PromotionCodeDialog::draft() const
{
    PromotionCodeDraft d;
    d.couponId = m_coupon->currentData().toString();
    d.code = m_code->text().trimmed();
    d.customerId = m_customer->text().trimmed();
    d.firstTimeTransaction = m_firstTime->isChecked();
    d.clientOpId = m_sessionId;
    if (m_minimumOn->isChecked()) {
        Money::ParseOptions options;
        options.allowZero = false;
        Result<Money> m = Money::parse(m_minimum->text(), *Currency::fromCode(m_minimumCurrency->currentText()), QLocale(), options);
        if (!m)
            return m.error();
        d.minimumAmount = m.value();
    }
    if (m_expires->isChecked())
        d.expiresAt = QDateTime(m_expiresAt->date(), QTime(23, 59, 59), QTimeZone::systemTimeZone()).toUTC();
    if (m_limit->isChecked())
        d.maxRedemptions = m_max->value();
    if (Status st = PromotionCodeService::validate(d); !st)
        return st.error();
    return d;
}

void PromotionCodeDialog::refresh()
{
    m_minimum->setEnabled(m_minimumOn->isChecked());
    m_minimumCurrency->setEnabled(m_minimumOn->isChecked());
    m_expiresAt->setEnabled(m_expires->isChecked());
    m_max->setEnabled(m_limit->isChecked());
    const Result<PromotionCodeDraft> d = draft();
    m_error->setText(d ? QString() : d.error().userMessage);
    m_create->setEnabled(d.ok() && m_entryId == 0);
}

void PromotionCodeDialog::submit()
{
    const Result<PromotionCodeDraft> d = draft();
    if (!d)
        return;
    m_create->setEnabled(false);
    OperationStatusPanel::showStatus(m_status, tr("Sending…"), PendingTone);
    m_service->create(*d, this, [this](Result<OutboxEntry> r) {
        if (!r) {
            OperationStatusPanel::showStatus(m_status, r.error().userMessage, ErrorTone);
            refresh();
            return;
        }
        m_entryId = r->id;
        auto done = [this](const OutboxEntry &e) {
            if (e.state == OutboxState::Succeeded) {
                OperationStatusPanel::showStatus(m_status, tr("Promotion code created."), DoneTone);
                Q_EMIT codeCreated(e.resultObjectId);
            } else {
                OperationStatusPanel::showStatus(m_status, e.errorMessage.isEmpty() ? tr("Stripe refused the code.") : e.errorMessage, ErrorTone);
            }
        };
        if (!r->isOpen())
            return done(r.value());
        OperationStatusPanel::showStatus(m_status, tr("Queued for Stripe…"), PendingTone);
        if (m_outbox) {
            connect(m_outbox, &OutboxService::entryChanged, this, [this, done](qint64 id) {
                if (id != m_entryId)
                    return;
                OperationStatusPanel::followEntry(
                    m_outbox, id, this, tr("Saved; it is sent when Stripe can be reached."), [] { return true; },
                    [this](const QString &text) { OperationStatusPanel::showStatus(m_status, text, PendingTone); }, done);
            });
        }
    });
}

} // namespace Billing

#include "ui/dialogs/coupondialog.h"
#include "ui/dialogs/operationstatuspanel.h"

#include "services/outbox/outboxservice.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QTimeZone>
#include <QUuid>
#include <QVBoxLayout>

namespace Billing {

namespace {
const QString ErrorTone = QStringLiteral("#b3261e");
const QString PendingTone = QStringLiteral("#6b5900");
const QString DoneTone = QStringLiteral("#1e6b32");
const QStringList Currencies{QStringLiteral("USD"), QStringLiteral("EUR"), QStringLiteral("GBP"), QStringLiteral("JPY"),
                             QStringLiteral("CHF"), QStringLiteral("KWD")};
} // namespace

CouponDialog::CouponDialog(CouponService *service, OutboxService *outbox, QWidget *parent)
    : QDialog(parent), m_service(service), m_outbox(outbox)
{
    setObjectName(QStringLiteral("CouponDialog"));
    setWindowTitle(tr("New coupon"));
    setMinimumWidth(560);
    m_sessionId = QStringLiteral("coupon:%1").arg(QUuid::createUuid().toString(QUuid::WithoutBraces));
    auto *layout = new QVBoxLayout(this);
    auto *header = OperationStatusPanel::createSummaryLabel(this, 1.15);
    header->setText(tr("New coupon"));
    layout->addWidget(header);

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("name"));
    m_name->setPlaceholderText(tr("Shown to customers, e.g. Spring 25% off"));
    form->addRow(tr("Name"), m_name);
    m_id = new QLineEdit(this);
    m_id->setObjectName(QStringLiteral("couponId"));
    m_id->setPlaceholderText(tr("Optional, e.g. SPRING25 (Stripe makes one otherwise)"));
    form->addRow(tr("ID"), m_id);
    layout->addLayout(form);

    auto *offGroup = new QGroupBox(tr("Discount"), this);
    auto *og = new QFormLayout(offGroup);
    og->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_percentMode = new QRadioButton(tr("Percentage"), offGroup);
    m_percentMode->setObjectName(QStringLiteral("percentMode"));
    m_percentMode->setChecked(true);
    m_percent = new QLineEdit(offGroup);
    m_percent->setObjectName(QStringLiteral("percent"));
    m_percent->setPlaceholderText(tr("25 or 12.5"));
    og->addRow(m_percentMode, m_percent);
    m_amountMode = new QRadioButton(tr("Fixed amount"), offGroup);
    m_amountMode->setObjectName(QStringLiteral("amountMode"));
    auto *amountRow = new QHBoxLayout;
    m_amount = new QLineEdit(offGroup);
    m_amount->setObjectName(QStringLiteral("amount"));
    m_currency = new QComboBox(offGroup);
    m_currency->setObjectName(QStringLiteral("currency"));
    m_currency->addItems(Currencies);
    amountRow->addWidget(m_amount, 1);
    amountRow->addWidget(m_currency);
    og->addRow(m_amountMode, amountRow);
    m_options = new QTableWidget(0, 2, offGroup);
    m_options->setObjectName(QStringLiteral("currencyOptions"));
    m_options->setHorizontalHeaderLabels({tr("Further currency"), tr("Amount off")});
    m_options->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_options->verticalHeader()->setVisible(false);
    m_options->setFixedHeight(m_options->horizontalHeader()->sizeHint().height() + 3 * m_options->verticalHeader()->defaultSectionSize() + 4);
    auto *optionsRow = new QVBoxLayout;
    optionsRow->addWidget(m_options);
    auto *addOption = new QPushButton(tr("Add currency"), offGroup);
    addOption->setObjectName(QStringLiteral("addCurrency"));
    optionsRow->addWidget(addOption, 0, Qt::AlignLeft);
    og->addRow(tr("Other currencies"), optionsRow);
    layout->addWidget(offGroup);

    auto *limits = new QGroupBox(tr("Duration and limits"), this);
    auto *lf = new QFormLayout(limits);
    lf->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto *durRow = new QHBoxLayout;
    m_duration = new QComboBox(limits);
    m_duration->setObjectName(QStringLiteral("duration"));
    m_duration->addItem(tr("Once (first invoice)"), QStringLiteral("once"));
    m_duration->addItem(tr("Repeating for"), QStringLiteral("repeating"));
    m_duration->addItem(tr("Forever"), QStringLiteral("forever"));
    m_months = new QSpinBox(limits);
    m_months->setObjectName(QStringLiteral("months"));
    m_months->setRange(1, 36);
    m_months->setValue(3);
    m_months->setSuffix(tr(" months"));
    durRow->addWidget(m_duration, 1);
    durRow->addWidget(m_months);
    lf->addRow(tr("Applies"), durRow);
    auto *maxRow = new QHBoxLayout;
    m_limit = new QCheckBox(tr("At most"), limits);
    m_limit->setObjectName(QStringLiteral("limit"));
    m_max = new QSpinBox(limits);
    m_max->setObjectName(QStringLiteral("max"));
    m_max->setRange(1, 1000000);
    m_max->setValue(100);
    m_max->setSuffix(tr(" redemptions"));
    maxRow->addWidget(m_limit);
    maxRow->addWidget(m_max, 1);
    lf->addRow(tr("Redemptions"), maxRow);
    auto *expRow = new QHBoxLayout;
    m_expires = new QCheckBox(tr("Redeem by"), limits);
    m_expires->setObjectName(QStringLiteral("expires"));
    m_redeemBy = new QDateEdit(QDate::currentDate().addMonths(1), limits);
    m_redeemBy->setObjectName(QStringLiteral("redeemBy"));
    m_redeemBy->setCalendarPopup(true);
    expRow->addWidget(m_expires);
    expRow->addWidget(m_redeemBy, 1);
    lf->addRow(tr("Expiry"), expRow);
    layout->addWidget(limits);

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
    m_create->setText(tr("Create coupon"));

    for (QLineEdit *e : {m_name, m_id, m_percent, m_amount})
        connect(e, &QLineEdit::textChanged, this, &CouponDialog::refresh);
    for (QRadioButton *r : {m_percentMode, m_amountMode})
        connect(r, &QRadioButton::toggled, this, &CouponDialog::refresh);
    for (QCheckBox *c : {m_limit, m_expires})
        connect(c, &QCheckBox::toggled, this, &CouponDialog::refresh);
    connect(m_currency, &QComboBox::currentIndexChanged, this, &CouponDialog::refresh);
    connect(m_duration, &QComboBox::currentIndexChanged, this, &CouponDialog::refresh);
    connect(m_months, &QSpinBox::valueChanged, this, &CouponDialog::refresh);
    connect(m_max, &QSpinBox::valueChanged, this, &CouponDialog::refresh);
    connect(m_redeemBy, &QDateEdit::dateChanged, this, &CouponDialog::refresh);
    connect(m_options, &QTableWidget::itemChanged, this, &CouponDialog::refresh);
    connect(addOption, &QPushButton::clicked, this, [this] {
        const int r = m_options->rowCount();
        m_options->insertRow(r);
        m_options->setItem(r, 0, new QTableWidgetItem(r == 0 ? QStringLiteral("EUR") : QString()));
        m_options->setItem(r, 1, new QTableWidgetItem());
        refresh();
    });
    connect(m_create, &QPushButton::clicked, this, &CouponDialog::submit);
    refresh();
}

CouponDialog::~CouponDialog() = default;

Result<CouponDraft> CouponDialog::draft() const
{
    CouponDraft d;
    d.name = m_name->text().trimmed();
    d.id = m_id->text().trimmed();
    d.clientOpId = m_sessionId;
    const QLocale locale;
    if (m_percentMode->isChecked()) {
        d.percentOff = m_percent->text().trimmed();
        if (d.percentOff.isEmpty())
            return Error::make(Error::Kind::Validation, tr("Enter the percentage off."));
    } else {
        const auto cur = Currency::fromCode(m_currency->currentText());
        Money::ParseOptions options;
        options.allowZero = false;
        Result<Money> m = Money::parse(m_amount->text(), *cur, locale, options);
        if (!m)
            return m.error();
        d.amountOff = m.value();
        for (int r = 0; r < m_options->rowCount(); ++r) {
            const QString code = m_options->item(r, 0) ? m_options->item(r, 0)->text().trimmed().toUpper() : QString();
            const QString amount = m_options->item(r, 1) ? m_options->item(r, 1)->text().trimmed() : QString();
            if (code.isEmpty() && amount.isEmpty())
                continue;
            const auto oc = Currency::fromCode(code);
            if (!oc)
                return Error::make(Error::Kind::Validation, tr("\"%1\" is not a currency code.").arg(code));
            Result<Money> om = Money::parse(amount, *oc, locale, options);
            if (!om)
                return Error::make(Error::Kind::Validation, tr("%1: %2").arg(oc->code(), om.error().userMessage));
            d.currencyOptions << om.value();
        }
    }
    d.duration = m_duration->currentData().toString();
    d.durationInMonths = d.duration == QLatin1String("repeating") ? m_months->value() : 0;
    if (m_limit->isChecked())
        d.maxRedemptions = m_max->value();
    if (m_expires->isChecked())
        d.redeemBy = QDateTime(m_redeemBy->date(), QTime(23, 59, 59), QTimeZone::systemTimeZone()).toUTC();
    if (Status st = CouponService::validate(d); !st)
        return st.error();
    return d;
}

void CouponDialog::refresh()
{
    m_percent->setEnabled(m_percentMode->isChecked());
    m_amount->setEnabled(m_amountMode->isChecked());
    m_currency->setEnabled(m_amountMode->isChecked());
    m_options->setEnabled(m_amountMode->isChecked());
    m_months->setEnabled(m_duration->currentData().toString() == QLatin1String("repeating"));
    m_max->setEnabled(m_limit->isChecked());
    m_redeemBy->setEnabled(m_expires->isChecked());
    const Result<CouponDraft> d = draft();
    m_error->setText(d ? QString() : d.error().userMessage);
    m_create->setEnabled(d.ok() && m_entryId == 0);
}

void CouponDialog::submit()
{
    const Result<CouponDraft> d = draft();
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
        Q_EMIT couponQueued(r->id);
        auto done = [this](const OutboxEntry &e) {
            if (e.state == OutboxState::Succeeded) {
                OperationStatusPanel::showStatus(m_status, tr("Coupon %1 created.").arg(e.resultObjectId), DoneTone);
                Q_EMIT couponCreated(e.resultObjectId);
            } else {
                OperationStatusPanel::showStatus(m_status, e.errorMessage.isEmpty() ? tr("Stripe refused the coupon.") : e.errorMessage, ErrorTone);
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

#include "ui/dialogs/installmentplandialog.h"
#include "ui/dialogs/operationstatuspanel.h"

#include "services/terms/installmentservice.h"

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
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace Billing {

namespace {
const QString ErrorTone = QStringLiteral("#b3261e");
const QString DoneTone = QStringLiteral("#1e6b32");

QTableWidgetItem *cell(const QString &text, bool number = false)
{
    auto *item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    if (number)
        item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

QTableWidget *table(const QStringList &headers, QWidget *parent)
{
    auto *t = new QTableWidget(0, int(headers.size()), parent);
    t->setHorizontalHeaderLabels(headers);
    t->verticalHeader()->setVisible(false);
    t->horizontalHeader()->setStretchLastSection(true);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->setAlternatingRowColors(true);
    return t;
}
} // namespace

InstallmentPlanDialog::InstallmentPlanDialog(InstallmentService *service, const QString &customerId, const QString &customerLabel,
                                             const Currency &currency, QWidget *parent)
    : QDialog(parent), m_service(service), m_customerId(customerId), m_currency(currency), m_today(QDate::currentDate())
{
    setObjectName(QStringLiteral("InstallmentPlanDialog"));
    if (!m_currency.isValid())
        m_currency = *Currency::fromCode(u"USD");
    buildUi(customerLabel);
    reload();
    connect(m_service, &InstallmentService::plansChanged, this, [this](const QString &customer) {
        if (customer == m_customerId)
            reload();
    });
}

InstallmentPlanDialog::~InstallmentPlanDialog() = default;

void InstallmentPlanDialog::buildUi(const QString &customerLabel)
{
    setWindowTitle(tr("Installments for %1").arg(customerLabel));
    setMinimumSize(680, 700);
    auto *layout = new QVBoxLayout(this);
    auto *header = OperationStatusPanel::createSummaryLabel(this, 1.15);
    header->setObjectName(QStringLiteral("header"));
    header->setText(tr("Installment plans of %1 (%2)").arg(customerLabel, m_currency.code()));
    layout->addWidget(header);

    m_plans = table({tr("Plan"), tr("Total"), tr("Paid"), tr("Remaining"), tr("Installments paid")}, this);
    m_plans->setObjectName(QStringLiteral("plans"));
    m_plans->setMinimumHeight(90);
    m_plans->setMaximumHeight(130);
    m_plans->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_plans->horizontalHeader()->setStretchLastSection(false);
    layout->addWidget(m_plans);

    auto *group = new QGroupBox(tr("New plan"), this);
    auto *form = new QFormLayout(group);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_total = new QLineEdit(group);
    m_total->setObjectName(QStringLiteral("total"));
    m_total->setPlaceholderText(Money(1200000, m_currency).toLocaleString(QLocale()));
    auto *totalRow = new QHBoxLayout;
    totalRow->addWidget(m_total, 1);
    totalRow->addWidget(new QLabel(m_currency.code(), group));
    form->addRow(tr("Total"), totalRow);
    auto *countRow = new QHBoxLayout;
    m_count = new QSpinBox(group);
    m_count->setObjectName(QStringLiteral("count"));
    m_count->setRange(2, InstallmentSplit::MaxInstallments);
    m_count->setValue(3);
    m_count->setSuffix(tr(" monthly installments"));
    m_remainder = new QComboBox(group);
    m_remainder->setObjectName(QStringLiteral("remainder"));
    m_remainder->addItem(tr("Rounding remainder on the last"));
    m_remainder->addItem(tr("Rounding remainder on the first"));
    countRow->addWidget(m_count, 1);
    countRow->addWidget(m_remainder, 1);
    form->addRow(tr("Split into"), countRow);
    auto *dueRow = new QHBoxLayout;
    m_firstDue = new QDateEdit(group);
    m_firstDue->setObjectName(QStringLiteral("firstDue"));
    m_firstDue->setCalendarPopup(true);
    m_firstDue->setDate(m_today.addDays(30));
    m_issueDays = new QSpinBox(group);
    m_issueDays->setObjectName(QStringLiteral("issueDays"));
    m_issueDays->setRange(0, 60);
    m_issueDays->setValue(14);
    m_issueDays->setSuffix(tr(" days before"));
    dueRow->addWidget(m_firstDue, 1);
    dueRow->addWidget(new QLabel(tr("invoice issued"), group));
    dueRow->addWidget(m_issueDays, 1);
    form->addRow(tr("First due"), dueRow);
    m_description = new QLineEdit(group);
    m_description->setObjectName(QStringLiteral("description"));
    m_description->setPlaceholderText(tr("What the installments pay for"));
    form->addRow(tr("Description"), m_description);
    m_po = new QLineEdit(group);
    m_po->setObjectName(QStringLiteral("po"));
    m_po->setPlaceholderText(tr("Optional"));
    form->addRow(tr("PO number"), m_po);
    layout->addWidget(group);

    m_preview = table({tr("#"), tr("Invoice issued"), tr("Due"), tr("Amount")}, this);
    m_preview->setObjectName(QStringLiteral("preview"));
    m_preview->setMinimumHeight(m_preview->horizontalHeader()->sizeHint().height() + 6 * 30 + 4);
    m_preview->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_preview->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    layout->addWidget(m_preview, 1);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("error"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: %1;").arg(ErrorTone));
    layout->addWidget(m_error);
    m_status = OperationStatusPanel::createStatusLabel(this);
    m_status->setObjectName(QStringLiteral("status"));
    layout->addWidget(m_status);
    auto *buttons = OperationStatusPanel::createButtons(this, &m_create);
    m_create->setObjectName(QStringLiteral("confirm"));
    m_create->setText(tr("Create plan"));
    layout->addWidget(buttons);

    for (QLineEdit *e : {m_total, m_description, m_po})
        connect(e, &QLineEdit::textChanged, this, &InstallmentPlanDialog::refreshPreview);
    connect(m_count, &QSpinBox::valueChanged, this, &InstallmentPlanDialog::refreshPreview);
    connect(m_issueDays, &QSpinBox::valueChanged, this, &InstallmentPlanDialog::refreshPreview);
    connect(m_firstDue, &QDateEdit::dateChanged, this, &InstallmentPlanDialog::refreshPreview);
    connect(m_remainder, &QComboBox::currentIndexChanged, this, &InstallmentPlanDialog::refreshPreview);
    connect(m_create, &QPushButton::clicked, this, &InstallmentPlanDialog::create);
    refreshPreview();
}

void InstallmentPlanDialog::setToday(QDate today)
{
    m_today = today;
    refreshPreview();
}

Result<InstallmentPlan> InstallmentPlanDialog::draftPlan() const
{
    if (m_total->text().trimmed().isEmpty())
        return Error::make(Error::Kind::Validation, tr("Enter the total to split."));
    Money::ParseOptions options;
    options.allowZero = false;
    Result<Money> total = Money::parse(m_total->text(), m_currency, QLocale(), options);
    if (!total)
        return total.error();
    InstallmentPlanDraft d;
    d.customerId = m_customerId;
    d.total = total.value();
    d.count = m_count->value();
    d.firstDue = m_firstDue->date();
    d.issueDaysBefore = m_issueDays->value();
    d.description = m_description->text();
    d.poNumber = m_po->text();
    d.remainder = m_remainder->currentIndex() == 1 ? RemainderPlacement::First : RemainderPlacement::Last;
    return d.build(m_today);
}

void InstallmentPlanDialog::refreshPreview()
{
    const QLocale locale;
    const Result<InstallmentPlan> plan = draftPlan();
    m_preview->setRowCount(0);
    if (!plan) {
        // Nothing typed yet is not an error worth red text.
        m_error->setText(m_total->text().trimmed().isEmpty() ? QString() : plan.error().userMessage);
        m_create->setEnabled(false);
        return;
    }
    m_error->clear();
    m_preview->setRowCount(int(plan->installments.size()));
    for (int i = 0; i < plan->installments.size(); ++i) {
        const Installment &in = plan->installments[i];
        m_preview->setItem(i, 0, cell(QString::number(in.seq), true));
        m_preview->setItem(i, 1, cell(locale.toString(in.issueAt.date(), QLocale::ShortFormat)));
        m_preview->setItem(i, 2, cell(locale.toString(in.dueAt.date(), QLocale::ShortFormat)));
        m_preview->setItem(i, 3, cell(in.amount.toLocaleString(locale), true));
    }
    m_create->setEnabled(true);
}

int InstallmentPlanDialog::planCount() const { return m_plans->rowCount(); }

void InstallmentPlanDialog::reload()
{
    m_service->plans(m_customerId, this, [this](Result<QList<InstallmentPlan>> plans) {
        const QLocale locale;
        if (!plans) {
            OperationStatusPanel::showStatus(m_status, plans.error().userMessage, ErrorTone);
            return;
        }
        m_plans->setRowCount(int(plans->size()));
        for (int r = 0; r < plans->size(); ++r) {
            const InstallmentPlan &p = plans->at(r);
            m_plans->setItem(r, 0, cell(tr("#%1 %2").arg(p.id).arg(p.description)));
            m_plans->setItem(r, 1, cell(p.total.toLocaleString(locale), true));
            m_plans->setItem(r, 2, cell(p.paid().toLocaleString(locale), true));
            m_plans->setItem(r, 3, cell(p.remaining().toLocaleString(locale), true));
            m_plans->setItem(r, 4, cell(tr("%1 of %2").arg(p.paidCount()).arg(p.installments.size()), true));
        }
        m_plans->resizeColumnsToContents();
        m_plans->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
        m_loaded = true;
        Q_EMIT plansLoaded();
    });
}

void InstallmentPlanDialog::create()
{
    const Result<InstallmentPlan> plan = draftPlan();
    if (!plan)
        return;
    InstallmentPlanDraft d;
    d.customerId = m_customerId;
    d.total = plan->total;
    d.count = int(plan->installments.size());
    d.firstDue = m_firstDue->date();
    d.issueDaysBefore = m_issueDays->value();
    d.description = m_description->text();
    d.poNumber = m_po->text();
    d.remainder = plan->remainder;
    m_create->setEnabled(false);
    m_service->createPlan(d, this, [this](Result<qint64> id) {
        if (!id) {
            OperationStatusPanel::showStatus(m_status, id.error().userMessage, ErrorTone);
            m_create->setEnabled(true);
            return;
        }
        OperationStatusPanel::showStatus(m_status, tr("Plan #%1 saved. Its invoices are created on their issue dates by the "
                                                      "scheduled \"installments run\".").arg(*id), DoneTone);
        m_total->clear();
        Q_EMIT planCreated(*id);
    });
}

} // namespace Billing

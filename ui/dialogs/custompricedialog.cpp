#include "ui/dialogs/custompricedialog.h"

#include "models/catalogtablemodel.h"
#include "services/pricing/currencypolicy.h"
#include "services/pricing/custompricingservice.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace Billing {

struct CustomPriceInput
{
    CustomPricingService::DealInput input;
};

CustomPriceDialog::CustomPriceDialog(CustomPricingService *service, const Customer &customer, const QString &subscriptionId,
                                     const QList<Product> &products, const QList<Price> &prices, QWidget *parent)
    : QDialog(parent), m_service(service), m_customer(customer), m_subscriptionId(subscriptionId), m_products(products),
      m_prices(prices)
{
    setObjectName(QStringLiteral("CustomPriceDialog"));
    setWindowTitle(tr("Negotiated price for %1").arg(customer.name.isEmpty() ? customer.id : customer.name));
    auto *root = new QVBoxLayout(this);
    root->setContentsMargins(20, 18, 20, 14);
    root->setSpacing(10);
    const QString fixed = CurrencyPolicy::fixedCurrency(customer);
    auto *intro = new QLabel(fixed.isEmpty()
                                 ? tr("A dedicated price for this customer. The customer has no invoices yet, so any currency can be used.")
                                 : tr("A dedicated price for this customer, in %1 (the customer's currency is fixed once invoiced).")
                                       .arg(fixed.toUpper()));
    intro->setWordWrap(true);
    root->addWidget(intro);

    auto *form = new QFormLayout;
    m_listPrice = new QComboBox;
    m_listPrice->setObjectName(QStringLiteral("ListPriceBox"));
    for (const PriceOffer &o : CurrencyPolicy::offersFor(fixed, m_prices, m_products)) {
        if (o.price.isTiered() || !o.price.unitAmount)
            continue; // negotiated prices replace a per-unit list price
        m_listPrice->addItem(QStringLiteral("%1 · %2 (%3)").arg(o.product.name.isEmpty() ? o.price.productId : o.product.name,
                                                               o.price.nickname.isEmpty() ? o.price.id : o.price.nickname,
                                                               CatalogTableModel::amountText(o.price, locale())),
                             QStringList{o.price.id, o.currency});
    }
    m_quantity = new QSpinBox;
    m_quantity->setObjectName(QStringLiteral("QuantityBox"));
    m_quantity->setRange(1, 1000000);
    m_quantity->setValue(10);
    m_interval = new QComboBox;
    m_interval->addItem(tr("Monthly"), QStringLiteral("month"));
    m_interval->addItem(tr("Yearly"), QStringLiteral("year"));
    m_minimum = new QLineEdit;
    m_minimum->setObjectName(QStringLiteral("MinimumEdit"));
    m_minimum->setPlaceholderText(tr("none"));
    form->addRow(tr("List price"), m_listPrice);
    form->addRow(tr("Seats"), m_quantity);
    form->addRow(tr("Billing"), m_interval);
    form->addRow(tr("Minimum commitment per period"), m_minimum);
    root->addLayout(form);

    auto *rampHeading = new QLabel(tr("Ramp: each row runs for its months, the last one until changed (0 months)."));
    rampHeading->setWordWrap(true);
    root->addWidget(rampHeading);
    m_ramp = new QTableWidget(0, 2);
    m_ramp->setObjectName(QStringLiteral("RampTable"));
    m_ramp->setHorizontalHeaderLabels({tr("Months"), tr("Unit price")});
    m_ramp->verticalHeader()->setVisible(true);
    m_ramp->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_ramp->setMinimumHeight(130);
    m_ramp->setMaximumHeight(170);
    root->addWidget(m_ramp);
    auto *rampButtons = new QHBoxLayout;
    auto *add = new QPushButton(tr("Add phase"));
    auto *remove = new QPushButton(tr("Remove last phase"));
    rampButtons->addWidget(add);
    rampButtons->addWidget(remove);
    rampButtons->addStretch();
    root->addLayout(rampButtons);

    m_discount = new QLabel;
    m_discount->setObjectName(QStringLiteral("DiscountLabel"));
    m_discount->setWordWrap(true);
    m_discount->setMinimumHeight(m_discount->fontMetrics().lineSpacing() * 2 + 4);
    m_discount->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    root->addWidget(m_discount);
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("StatusLabel"));
    m_status->setWordWrap(true);
    m_status->setMinimumHeight(m_status->fontMetrics().lineSpacing() * 2 + 4);
    m_status->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    root->addWidget(m_status);
    root->addStretch(1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    m_submit = buttons->addButton(tr("Submit"), QDialogButtonBox::AcceptRole);
    m_submit->setObjectName(QStringLiteral("SubmitButton"));
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_submit, &QPushButton::clicked, this, &CustomPriceDialog::submit);
    root->addWidget(buttons);

    connect(add, &QPushButton::clicked, this, [this] {
        const int r = m_ramp->rowCount();
        m_ramp->insertRow(r);
        m_ramp->setItem(r, 0, new QTableWidgetItem(QStringLiteral("12")));
        m_ramp->setItem(r, 1, new QTableWidgetItem(QString()));
        updatePreview();
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        if (m_ramp->rowCount() > 1)
            m_ramp->removeRow(m_ramp->rowCount() - 1);
        updatePreview();
    });
    connect(m_ramp, &QTableWidget::itemChanged, this, &CustomPriceDialog::updatePreview);
    connect(m_listPrice, &QComboBox::currentIndexChanged, this, &CustomPriceDialog::updatePreview);
    connect(m_minimum, &QLineEdit::textChanged, this, &CustomPriceDialog::updatePreview);
    connect(m_quantity, &QSpinBox::valueChanged, this, &CustomPriceDialog::updatePreview);
    setRamp({{12, QString()}, {0, QString()}});
    if (m_service)
        m_service->approvalLimit(this, [this](Result<int> limit) {
            if (limit)
                m_limitPercent = *limit;
            updatePreview();
        });
    resize(660, 640);
}

void CustomPriceDialog::setRamp(const QList<QPair<int, QString>> &monthsAndAmounts)
{
    const QSignalBlocker block(m_ramp);
    m_ramp->setRowCount(0);
    for (const auto &[months, amount] : monthsAndAmounts) {
        const int r = m_ramp->rowCount();
        m_ramp->insertRow(r);
        m_ramp->setItem(r, 0, new QTableWidgetItem(QString::number(months)));
        m_ramp->setItem(r, 1, new QTableWidgetItem(amount));
    }
    updatePreview();
}

bool CustomPriceDialog::buildInput(CustomPriceInput &out, QString *error) const
{
    const QStringList data = m_listPrice->currentData().toStringList();
    if (data.size() != 2) {
        *error = tr("There is no per-unit list price in the customer's currency to negotiate from.");
        return false;
    }
    Price list;
    for (const Price &p : m_prices)
        if (p.id == data.at(0))
            list = p;
    auto &in = out.input;
    in.customer = m_customer;
    in.currency = data.at(1);
    in.productId = list.productId;
    in.listPriceId = list.id;
    for (const PriceOffer &o : CurrencyPolicy::offersFor(in.currency, {list}, m_products))
        in.listUnitAmountMinor = o.price.unitAmount.value_or(0);
    in.quantity = m_quantity->value();
    in.interval = m_interval->currentData().toString();
    in.minimumCommitment = m_minimum->text();
    in.subscriptionId = m_subscriptionId;
    for (int r = 0; r < m_ramp->rowCount(); ++r) {
        bool ok = false;
        const int months = m_ramp->item(r, 0) ? m_ramp->item(r, 0)->text().trimmed().toInt(&ok) : 0;
        if (!ok) {
            *error = tr("Phase %1: enter its length in whole months (0 for the last, open-ended phase).").arg(r + 1);
            return false;
        }
        in.phases << CustomPricingService::PhaseInput{months, m_ramp->item(r, 1) ? m_ramp->item(r, 1)->text() : QString()};
    }
    return true;
}

void CustomPriceDialog::updatePreview()
{
    CustomPriceInput in;
    QString error;
    m_submit->setEnabled(false);
    if (!buildInput(in, &error)) {
        m_discount->setText(error);
        return;
    }
    const auto deal = CustomPricingService::prepare(in.input, locale());
    if (!deal) {
        m_discount->setText(deal.error().userMessage);
        return;
    }
    const bool approval = CustomPricingService::needsApproval(deal->discountPermille, m_limitPercent, StaffRole::Finance);
    m_discount->setText(tr("Up to %1.%2% off the list price. %3")
                            .arg(deal->discountPermille / 10)
                            .arg(deal->discountPermille % 10)
                            .arg(approval ? tr("Above the %1% limit: finance must approve it before it reaches Stripe.").arg(m_limitPercent)
                                          : tr("Within the %1% limit.").arg(m_limitPercent)));
    m_submit->setEnabled(m_service != nullptr && m_dealId == 0);
}

void CustomPriceDialog::submit()
{
    CustomPriceInput in;
    QString error;
    if (!buildInput(in, &error)) {
        m_status->setText(error);
        return;
    }
    const auto deal = CustomPricingService::prepare(in.input, locale());
    if (!deal) {
        m_status->setText(deal.error().userMessage);
        return;
    }
    m_submit->setEnabled(false);
    m_status->setText(tr("Saving…"));
    m_service->submit(*deal, this, [this](Result<CustomDeal> stored) {
        if (!stored) {
            m_status->setText(stored.error().userMessage);
            m_submit->setEnabled(true);
            return;
        }
        m_dealId = stored->id;
        m_status->setText(stored->status == CustomDeal::Status::Pending
                              ? tr("Saved as request %1: %2").arg(stored->id).arg(stored->note)
                              : tr("Approved: the prices are on their way to Stripe (request %1).").arg(stored->id));
        Q_EMIT submitted(*stored);
    });
}

} // namespace Billing

#include "ui/dialogs/pricecalculatordialog.h"

#include "models/catalogtablemodel.h"
#include "models/formatting.h"
#include "services/pricing/currencypolicy.h"
#include "services/pricing/pricecalculator.h"
#include "ui/dialogs/quotepdf.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QStandardPaths>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace Billing {

namespace {

// A short name for a charge line in the table (the full description is the tooltip and goes
// into the exported quote): "Tier 2: units 1,001-100,000", "Packages of 100", "Units".
QString lineLabel(const Price &price, const PriceChargeLine &line, const QLocale &l)
{
    if (line.tierIndex < 0)
        return price.isPackage() ? PriceCalculatorDialog::tr("Packages of %1").arg(l.toString(price.transformQuantity.divideBy))
                                 : PriceCalculatorDialog::tr("Units");
    const qint64 first = line.tierIndex == 0 ? 1 : price.tiers.value(line.tierIndex - 1).upTo.value_or(0) + 1;
    const auto last = price.tiers.value(line.tierIndex).upTo;
    if (price.tiersMode == QLatin1String("volume"))
        return PriceCalculatorDialog::tr("Tier %1 (volume): all units").arg(line.tierIndex + 1);
    return last ? PriceCalculatorDialog::tr("Tier %1: units %2-%3").arg(line.tierIndex + 1).arg(l.toString(first), l.toString(*last))
                : PriceCalculatorDialog::tr("Tier %1: units %2 and above").arg(line.tierIndex + 1).arg(l.toString(first));
}

} // namespace

PriceCalculatorDialog::PriceCalculatorDialog(const QList<Product> &products, const QList<Price> &prices, QWidget *parent)
    : QDialog(parent), m_products(products), m_prices(prices)
{
    setObjectName(QStringLiteral("PriceCalculatorDialog"));
    setWindowTitle(tr("Price calculator"));
    auto *root = new QVBoxLayout(this);
    root->setContentsMargins(20, 18, 20, 14);
    root->setSpacing(10);

    auto *intro = new QLabel(tr("What a price charges for a quantity, tier by tier, exactly as Stripe will invoice it."));
    intro->setWordWrap(true);
    root->addWidget(intro);

    auto *form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_price = new QComboBox;
    m_price->setObjectName(QStringLiteral("PriceBox"));
    m_price->setMinimumWidth(420);
    m_currency = new QComboBox;
    m_currency->setObjectName(QStringLiteral("CurrencyBox"));
    m_quantity = new QLineEdit(QStringLiteral("1"));
    m_quantity->setObjectName(QStringLiteral("QuantityEdit"));
    m_quantity->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9]{0,15}")), m_quantity));
    m_quantity->setPlaceholderText(tr("units or usage"));
    m_modelHint = new QLabel;
    m_modelHint->setObjectName(QStringLiteral("ModelHint"));
    m_modelHint->setWordWrap(true);
    form->addRow(tr("Price"), m_price);
    form->addRow(tr("Currency"), m_currency);
    form->addRow(tr("Quantity"), m_quantity);
    form->addRow(QString(), m_modelHint);
    root->addLayout(form);

    m_lines = new QTableWidget(0, 6);
    m_lines->setObjectName(QStringLiteral("ChargeLines"));
    m_lines->setHorizontalHeaderLabels({tr("Line"), tr("Units"), tr("Unit price"), tr("Flat fee"), tr("Minor units"), tr("Amount")});
    m_lines->verticalHeader()->setVisible(false);
    m_lines->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_lines->setSelectionMode(QAbstractItemView::NoSelection);
    m_lines->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int c = 1; c < 6; ++c)
        m_lines->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_lines->setMinimumHeight(170);
    root->addWidget(m_lines, 1);

    m_total = new QLabel;
    m_total->setObjectName(QStringLiteral("TotalLabel"));
    m_total->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    QFont big = m_total->font();
    big.setPointSizeF(big.pointSizeF() * 1.2);
    big.setBold(true);
    m_total->setFont(big);
    root->addWidget(m_total);
    m_message = new QLabel;
    m_message->setObjectName(QStringLiteral("MessageLabel"));
    m_message->setWordWrap(true);
    root->addWidget(m_message);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    m_csv = buttons->addButton(tr("Export CSV…"), QDialogButtonBox::ActionRole);
    m_csv->setObjectName(QStringLiteral("ExportCsv"));
    m_pdf = buttons->addButton(tr("Export PDF…"), QDialogButtonBox::ActionRole);
    m_pdf->setObjectName(QStringLiteral("ExportPdf"));
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_csv, &QPushButton::clicked, this, [this] { askAndExport(ExportFormat::Csv); });
    connect(m_pdf, &QPushButton::clicked, this, [this] { askAndExport(ExportFormat::Pdf); });
    root->addWidget(buttons);

    connect(m_price, &QComboBox::currentIndexChanged, this, [this] {
        fillCurrencies();
        recompute();
    });
    connect(m_currency, &QComboBox::currentIndexChanged, this, &PriceCalculatorDialog::recompute);
    connect(m_quantity, &QLineEdit::textChanged, this, &PriceCalculatorDialog::recompute);
    fillPrices();
    resize(760, 520);
}

void PriceCalculatorDialog::setCustomer(const QString &name, const QString &fixedCurrency)
{
    m_customerName = name;
    m_customerCurrency = fixedCurrency.toLower();
    fillPrices();
}

void PriceCalculatorDialog::fillPrices()
{
    const QString keep = m_price->currentData().toString();
    const QSignalBlocker block(m_price);
    m_price->clear();
    // Only active prices that can be charged in the customer's currency (all currencies if none).
    QStringList seen;
    for (const PriceOffer &o : CurrencyPolicy::offersFor(m_customerCurrency, m_prices, m_products)) {
        if (seen.contains(o.price.id))
            continue;
        seen << o.price.id;
        const QString product = o.product.name.isEmpty() ? o.price.productId : o.product.name;
        const QString name = o.price.nickname.isEmpty() ? o.price.id : o.price.nickname;
        m_price->addItem(QStringLiteral("%1 · %2 (%3)").arg(product, name, CatalogTableModel::modelText(o.price)), o.price.id);
    }
    const int i = m_price->findData(keep);
    m_price->setCurrentIndex(i >= 0 ? i : (m_price->count() ? 0 : -1));
    fillCurrencies();
    recompute();
}

Price PriceCalculatorDialog::currentPrice() const
{
    const QString id = m_price->currentData().toString();
    for (const Price &p : m_prices)
        if (p.id == id)
            return p;
    return {};
}

void PriceCalculatorDialog::fillCurrencies()
{
    const QString keep = m_currency->currentData().toString();
    const QSignalBlocker block(m_currency);
    m_currency->clear();
    const Price p = currentPrice();
    for (const QString &c : PriceCalculator::currencies(p)) {
        if (!m_customerCurrency.isEmpty() && c != m_customerCurrency)
            continue;
        m_currency->addItem(c.toUpper(), c);
    }
    const int i = m_currency->findData(keep);
    m_currency->setCurrentIndex(i >= 0 ? i : (m_currency->count() ? 0 : -1));
    m_currency->setEnabled(m_currency->count() > 1);
}

bool PriceCalculatorDialog::selectPrice(const QString &priceId, const QString &currency)
{
    const int i = m_price->findData(priceId);
    if (i < 0)
        return false;
    m_price->setCurrentIndex(i);
    if (!currency.isEmpty()) {
        const int c = m_currency->findData(currency.toLower());
        if (c >= 0)
            m_currency->setCurrentIndex(c);
    }
    recompute();
    return true;
}

void PriceCalculatorDialog::recompute()
{
    m_quote.reset();
    m_lines->setRowCount(0);
    m_csv->setEnabled(false);
    m_pdf->setEnabled(false);
    m_total->clear();
    m_message->clear();
    m_message->setProperty("tone", QString());
    if (m_price->count() == 0) {
        m_modelHint->clear();
        m_message->setText(m_customerCurrency.isEmpty()
                               ? tr("No active prices in the catalog.")
                               : tr("No active price can be charged in %1, the customer's currency.")
                                     .arg(m_customerCurrency.toUpper()));
        return;
    }
    const Price price = currentPrice();
    const auto resolved = PriceCalculator::inCurrency(price, m_currency->currentData().toString());
    if (!resolved) {
        m_message->setText(resolved.error().userMessage);
        return;
    }
    QString hint = CatalogTableModel::modelText(*resolved) + QStringLiteral(" · ") + CatalogTableModel::amountText(*resolved, locale());
    if (resolved->isTiered() && resolved->tiersMode == QLatin1String("graduated"))
        hint += tr(" · each unit is charged at the tier it falls in; each tier is rounded on its own");
    else if (resolved->isTiered())
        hint += tr(" · the whole quantity is charged at the tier it reaches");
    m_modelHint->setText(hint);
    bool ok = false;
    const qint64 quantity = m_quantity->text().toLongLong(&ok);
    if (!ok) {
        m_message->setText(tr("Enter a quantity: a whole number of units (0 or more)."));
        return;
    }
    const QString product = [&] {
        for (const Product &p : m_products)
            if (p.id == price.productId)
                return p.name;
        return QString();
    }();
    auto quote = Quote::make(*resolved, product, quantity, m_customerName, m_preparedBy);
    if (!quote) {
        m_message->setProperty("tone", QStringLiteral("error"));
        m_message->setText(quote.error().userMessage);
        return;
    }
    m_quote = *quote;
    const QLocale l = locale();
    const QString currency = resolved->currency;
    for (const PriceChargeLine &line : m_quote->charge.lines) {
        const int r = m_lines->rowCount();
        m_lines->insertRow(r);
        const auto cell = [&](int column, const QString &text, bool right) {
            auto *item = new QTableWidgetItem(text);
            item->setTextAlignment((right ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
            m_lines->setItem(r, column, item);
        };
        cell(0, lineLabel(*resolved, line, l), false);
        m_lines->item(r, 0)->setToolTip(line.description);
        cell(1, l.toString(line.quantity), true);
        cell(2, CatalogTableModel::unitAmountText(line.unitAmountDecimal, currency, l), true);
        cell(3, line.flatAmountMinor ? Format::money(line.flatAmountMinor, currency, l) : QStringLiteral("–"), true);
        cell(4, l.toString(line.amountMinor), true);
        cell(5, Format::money(line.amountMinor, currency, l), true);
    }
    const Money &total = m_quote->charge.total;
    m_total->setText(tr("Total %1  (%2 minor units)").arg(total.toLocaleString(l), l.toString(total.minor())));
    if (m_quote->charge.lines.isEmpty())
        m_message->setText(tr("A quantity of 0 reaches no tier: nothing is charged."));
    else
        m_message->setText(tr("Each line is rounded to the nearest minor unit (halves up), as Stripe rounds invoice lines."));
    updateExportButtons();
}

Status PriceCalculatorDialog::startExport(const QString &path, ExportFormat format)
{
    if (!m_quote)
        return Error::make(Error::Kind::Validation, tr("There is no valid quote to export."));
    if (m_exporting)
        return Error::make(Error::Kind::Validation, tr("An export is already under way."));
    QFuture<Status> written;
    if (format == ExportFormat::Csv) {
        written = QtConcurrent::run([quote = *m_quote, path] { return QuoteCsv::write(quote, path); });
    } else {
        // Laid out here (fonts belong to the GUI thread), written to disk by the worker.
        written = QtConcurrent::run([pdf = QuotePdf::render(*m_quote, locale()), path] { return QuotePdf::save(pdf, path); });
    }
    m_exporting = true;
    updateExportButtons();
    m_message->setText(tr("Saving the quote…"));
    auto *watcher = new QFutureWatcher<Status>(this);
    connect(watcher, &QFutureWatcher<Status>::finished, this, [this, watcher, path] {
        const Status s = watcher->result();
        watcher->deleteLater();
        m_exporting = false;
        updateExportButtons();
        const QString message = s ? tr("Quote saved to %1.").arg(QDir::toNativeSeparators(path)) : s.error().userMessage;
        m_message->setText(message);
        Q_EMIT exportFinished(s.ok(), message);
    });
    watcher->setFuture(written);
    return {};
}

void PriceCalculatorDialog::updateExportButtons()
{
    const bool enabled = m_quote.has_value() && !m_exporting;
    m_csv->setEnabled(enabled);
    m_pdf->setEnabled(enabled);
}

void PriceCalculatorDialog::askAndExport(ExportFormat format)
{
    const bool pdf = format == ExportFormat::Pdf;
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    const QString suggested = QDir(dir).filePath(pdf ? QStringLiteral("quote.pdf") : QStringLiteral("quote.csv"));
    const QString path = QFileDialog::getSaveFileName(this, pdf ? tr("Export quote as PDF") : tr("Export quote as CSV"),
                                                      suggested, pdf ? tr("PDF (*.pdf)") : tr("CSV (*.csv)"));
    if (path.isEmpty())
        return;
    if (const Status s = startExport(path, format); !s)
        m_message->setText(s.error().userMessage);
}

} // namespace Billing

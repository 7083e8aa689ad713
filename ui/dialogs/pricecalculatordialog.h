#pragma once

#include "services/domain/catalog.h"
#include "services/pricing/quote.h"

#include <QDialog>

#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace Billing {

// The price calculator: pick a price and one of its currencies, type a quantity (units or
// usage), and see exactly what each tier charges (units, unit price, flat fee, amount in minor
// units and formatted) and the total, computed by PriceCalculator the way Stripe invoices it.
// When a customer is given, only prices in the customer's fixed currency are offered
// (CurrencyPolicy). Export the quote as CSV or PDF (startExport; the buttons ask for a file): the
// file is written by a worker, exportFinished follows. Nothing is sent to Stripe. GUI thread.
class PriceCalculatorDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PriceCalculatorDialog)
public:
    PriceCalculatorDialog(const QList<Product> &products, const QList<Price> &prices, QWidget *parent = nullptr);

    // Restricts the offered currencies to the customer's (empty currency: all) and names the quote.
    void setCustomer(const QString &name, const QString &fixedCurrency);
    void setPreparedBy(const QString &staffName) { m_preparedBy = staffName; }
    bool selectPrice(const QString &priceId, const QString &currency = {});

    QComboBox *priceBox() const { return m_price; }
    QComboBox *currencyBox() const { return m_currency; }
    QLineEdit *quantityEdit() const { return m_quantity; }
    QTableWidget *linesTable() const { return m_lines; }
    QLabel *totalLabel() const { return m_total; }
    QLabel *messageLabel() const { return m_message; }
    QPushButton *csvButton() const { return m_csv; }
    QPushButton *pdfButton() const { return m_pdf; }
    // The quote for the current inputs, or nullopt while they are invalid.
    const std::optional<Quote> &quote() const { return m_quote; }

    enum class ExportFormat { Csv, Pdf };
    // Writes the current quote to `path` off the GUI thread (exportFinished follows). Refused at
    // once, with nothing written, while there is no valid quote or an export is under way.
    Status startExport(const QString &path, ExportFormat format);
    bool isExporting() const { return m_exporting; }

Q_SIGNALS:
    void exportFinished(bool ok, const QString &message);

private:
    void fillPrices();
    void fillCurrencies();
    void recompute();
    void askAndExport(ExportFormat format);
    void updateExportButtons();
    Price currentPrice() const;

    QList<Product> m_products;
    QList<Price> m_prices;
    QString m_customerName;
    QString m_customerCurrency;
    QString m_preparedBy;
    QComboBox *m_price;
    QComboBox *m_currency;
    QLineEdit *m_quantity;
    QLabel *m_modelHint;
    QTableWidget *m_lines;
    QLabel *m_total;
    QLabel *m_message;
    QPushButton *m_csv;
    QPushButton *m_pdf;
    std::optional<Quote> m_quote;
    bool m_exporting = false;
};

} // namespace Billing

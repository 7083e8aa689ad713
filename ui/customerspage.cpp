#include "ui/customerspage.h"

#include "models/customertablemodel.h"
#include "models/formatting.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>

namespace Billing {

QComboBox *makeCurrencyCombo(QWidget *parent)
{
    auto *combo = new QComboBox(parent);
    combo->setObjectName(QStringLiteral("CurrencyFilter"));
    combo->addItem(CustomersPage::tr("All currencies"), QString());
    for (const char *code : {"usd", "eur", "gbp", "jpy", "cad", "aud", "chf", "kwd"})
        combo->addItem(QString::fromLatin1(code).toUpper(), QString::fromLatin1(code));
    combo->setMinimumWidth(140);
    return combo;
}

CustomersPage::CustomersPage(CacheReader *reader, QWidget *parent)
    : TablePage(tr("Customers"), new CustomerTableModel(reader), parent)
{
    model()->setParent(this);
    m_customers = static_cast<CustomerTableModel *>(model());
    searchBox()->setPlaceholderText(tr("Search name, email, phone or ID…"));
    m_currency = makeCurrencyCombo(this);
    m_delinquent = new QCheckBox(tr("Delinquent only"), this);
    m_delinquent->setObjectName(QStringLiteral("DelinquentFilter"));
    addFilterWidget(m_currency);
    addFilterWidget(m_delinquent);
    connect(m_currency, &QComboBox::currentIndexChanged, this,
            [this] { m_customers->setCurrency(m_currency->currentData().toString()); });
    connect(m_delinquent, &QCheckBox::toggled, m_customers, &CustomerTableModel::setDelinquentOnly);
    setColumnWidths({185, 215, 130, 100, 75, 0, 95, 0}, CustomerTableModel::Name);
}

void CustomersPage::applySearch(const QString &text)
{
    m_customers->setSearchText(text);
}

QString CustomersPage::emptyText() const
{
    return tr("No customers yet — run a sync (F5)");
}

bool CustomersPage::hasActiveFilters() const
{
    return TablePage::hasActiveFilters() || m_currency->currentIndex() > 0 || m_delinquent->isChecked();
}

QString CustomersPage::countText(int rows, bool more) const
{
    if (more)
        return tr("%1+ customers").arg(locale().toString(rows));
    return rows == 1 ? tr("1 customer") : tr("%1 customers").arg(locale().toString(rows));
}

void CustomersPage::fillDetail(int row, DetailBuilder &d)
{
    const Customer &c = m_customers->rowAt(row);
    const QLocale loc = m_customers->locale();
    d.title(c.name.isEmpty() ? tr("(no name)") : c.name, c.id);
    d.field(tr("Email"), c.email);
    d.field(tr("Phone"), c.phone);
    d.field(tr("Country"), c.country);
    d.field(tr("Currency"), c.currency.toUpper());
    d.field(tr("Balance"), c.currency.isEmpty() ? QString() : Format::money(c.balanceMinor, c.currency, loc));
    d.field(tr("Standing"), c.delinquent ? tr("Delinquent (a payment failed)") : tr("Good standing"));
    d.field(tr("Payment method"), c.defaultPaymentMethod);
    d.field(tr("Created"), Format::dateTime(c.created, loc));
    d.field(tr("Mode"), c.livemode ? tr("Live") : tr("Test"));
    if (!c.description.isEmpty())
        d.field(tr("Description"), c.description);
    if (!c.metadata.isEmpty()) {
        d.section(tr("Metadata"));
        for (auto it = c.metadata.cbegin(); it != c.metadata.cend(); ++it)
            d.field(it.key(), it.value());
    }
}

} // namespace Billing

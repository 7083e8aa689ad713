#include "services/terms/paymentterms.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QSet>

namespace Billing {

namespace {
QString tr(const char *text) { return QCoreApplication::translate("Billing::PaymentTerms", text); }
Error validation(const QString &message) { return Error::make(Error::Kind::Validation, message); }
const QStringList EuCountries{QStringLiteral("BE"), QStringLiteral("DE"), QStringLiteral("ES"), QStringLiteral("FR"),
                              QStringLiteral("IE"), QStringLiteral("NL")};
} // namespace

QString PaymentTerms::collectionMethodName() const
{
    return isSendInvoice() ? QStringLiteral("send_invoice") : QStringLiteral("charge_automatically");
}

QList<InvoiceCustomField> PaymentTerms::customFields() const
{
    QList<InvoiceCustomField> out;
    if (!poNumber.trimmed().isEmpty())
        out << InvoiceCustomField{poFieldName(), poNumber.trimmed()};
    for (const InvoiceCustomField &f : extraFields)
        out << InvoiceCustomField{f.name.trimmed(), f.value.trimmed()};
    return out;
}

QString PaymentTerms::label() const
{
    if (!isSendInvoice())
        return tr("Charge automatically");
    return daysUntilDue == 0 ? tr("Due on receipt") : tr("Net %1").arg(daysUntilDue);
}

QStringList PaymentTerms::knownPaymentMethodTypes()
{
    return {QStringLiteral("card"), QStringLiteral("us_bank_account"), QStringLiteral("customer_balance"),
            QStringLiteral("sepa_debit"), QStringLiteral("link")};
}

QString PaymentTerms::bankTransferType(const Currency &currency)
{
    const QString c = currency.stripeCode();
    if (c == QLatin1String("usd"))
        return QStringLiteral("us_bank_transfer");
    if (c == QLatin1String("eur"))
        return QStringLiteral("eu_bank_transfer");
    if (c == QLatin1String("gbp"))
        return QStringLiteral("gb_bank_transfer");
    if (c == QLatin1String("jpy"))
        return QStringLiteral("jp_bank_transfer");
    if (c == QLatin1String("mxn"))
        return QStringLiteral("mx_bank_transfer");
    return {};
}

Status PaymentTerms::validate(const Currency &currency) const
{
    if (isSendInvoice() && (daysUntilDue < 0 || daysUntilDue > MaxDaysUntilDue))
        return validation(tr("Payment terms must be between 0 and %1 days.").arg(MaxDaysUntilDue));
    const QList<InvoiceCustomField> fields = customFields();
    if (fields.size() > MaxCustomFields)
        return validation(tr("An invoice can carry at most %1 custom fields (the PO number counts as one).").arg(MaxCustomFields));
    QSet<QString> names;
    for (const InvoiceCustomField &f : fields) {
        if (f.name.isEmpty() || f.value.isEmpty())
            return validation(tr("Every custom field needs a name and a value."));
        if (f.name.size() > MaxFieldNameLength)
            return validation(tr("The custom field name \"%1\" is too long (at most %2 characters).").arg(f.name.left(20) + QStringLiteral("…")).arg(MaxFieldNameLength));
        if (f.value.size() > MaxFieldValueLength)
            return validation(tr("The value of \"%1\" is too long (at most %2 characters).").arg(f.name).arg(MaxFieldValueLength));
        if (names.contains(f.name.toLower()))
            return validation(tr("The custom field \"%1\" is given twice.").arg(f.name));
        names.insert(f.name.toLower());
    }
    if (memo.size() > MaxMemoLength)
        return validation(tr("The memo is too long (at most %1 characters).").arg(MaxMemoLength));
    if (footer.size() > MaxFooterLength)
        return validation(tr("The footer is too long (at most %1 characters).").arg(MaxFooterLength));
    const QStringList known = knownPaymentMethodTypes();
    for (const QString &t : paymentMethodTypes) {
        if (!known.contains(t))
            return validation(tr("\"%1\" is not a payment method type the console knows.").arg(t));
    }
    if (currency.isValid()) {
        if (paymentMethodTypes.contains(QLatin1String("us_bank_account")) && currency.stripeCode() != QLatin1String("usd"))
            return validation(tr("ACH debit (US bank account) is only available for USD; this customer pays in %1.").arg(currency.code()));
        if (paymentMethodTypes.contains(QLatin1String("sepa_debit")) && currency.stripeCode() != QLatin1String("eur"))
            return validation(tr("SEPA Direct Debit is only available for EUR; this customer pays in %1.").arg(currency.code()));
        if (paymentMethodTypes.contains(QLatin1String("customer_balance"))) {
            const QString type = bankTransferType(currency);
            if (type.isEmpty())
                return validation(tr("Bank transfers are not available for %1.").arg(currency.code()));
            if (type == QLatin1String("eu_bank_transfer") && !EuCountries.contains(bankTransferCountry.toUpper()))
                return validation(tr("EUR bank transfers need the customer's country: one of %1.").arg(EuCountries.join(QLatin1String(", "))));
        }
    }
    if (!isSendInvoice() && paymentMethodTypes.size() == 1 && paymentMethodTypes.first() == QLatin1String("customer_balance"))
        return validation(tr("A bank transfer cannot be charged automatically: choose \"Send invoice\" terms for wire payments."));
    return {};
}

namespace {

QJsonObject paymentSettings(const PaymentTerms &t, const Currency &currency)
{
    QJsonArray types;
    QStringList seen;
    for (const QString &s : t.paymentMethodTypes) {
        if (!seen.contains(s)) {
            types.append(s);
            seen << s;
        }
    }
    QJsonObject settings{{QStringLiteral("payment_method_types"), types}};
    if (seen.contains(QLatin1String("customer_balance"))) {
        QJsonObject bank{{QStringLiteral("type"), PaymentTerms::bankTransferType(currency)}};
        if (bank.value(QLatin1String("type")).toString() == QLatin1String("eu_bank_transfer"))
            bank.insert(QStringLiteral("eu_bank_transfer"), QJsonObject{{QStringLiteral("country"), t.bankTransferCountry.toUpper()}});
        settings.insert(QStringLiteral("payment_method_options"),
                        QJsonObject{{QStringLiteral("customer_balance"),
                                     QJsonObject{{QStringLiteral("funding_type"), QStringLiteral("bank_transfer")},
                                                 {QStringLiteral("bank_transfer"), bank}}}});
    }
    return settings;
}

} // namespace

QJsonObject PaymentTerms::invoiceParams(const Currency &currency) const
{
    QJsonObject p{{QStringLiteral("collection_method"), collectionMethodName()}};
    if (isSendInvoice())
        p.insert(QStringLiteral("days_until_due"), daysUntilDue);
    QJsonArray fields;
    for (const InvoiceCustomField &f : customFields())
        fields.append(QJsonObject{{QStringLiteral("name"), f.name}, {QStringLiteral("value"), f.value}});
    if (!fields.isEmpty())
        p.insert(QStringLiteral("custom_fields"), fields);
    if (!memo.trimmed().isEmpty())
        p.insert(QStringLiteral("description"), memo.trimmed());
    if (!footer.trimmed().isEmpty())
        p.insert(QStringLiteral("footer"), footer.trimmed());
    if (!paymentMethodTypes.isEmpty())
        p.insert(QStringLiteral("payment_settings"), paymentSettings(*this, currency));
    return p;
}

QJsonObject PaymentTerms::subscriptionParams(const Currency &currency) const
{
    QJsonObject p{{QStringLiteral("collection_method"), collectionMethodName()}};
    if (isSendInvoice())
        p.insert(QStringLiteral("days_until_due"), daysUntilDue);
    if (!paymentMethodTypes.isEmpty())
        p.insert(QStringLiteral("payment_settings"), paymentSettings(*this, currency));
    return p;
}

QJsonObject PaymentTerms::customerParams() const
{
    QJsonArray fields;
    for (const InvoiceCustomField &f : customFields())
        fields.append(QJsonObject{{QStringLiteral("name"), f.name}, {QStringLiteral("value"), f.value}});
    QJsonObject settings;
    settings.insert(QStringLiteral("custom_fields"), fields.isEmpty() ? QJsonValue(QString(QLatin1String(""))) : QJsonValue(fields));
    settings.insert(QStringLiteral("footer"), footer.trimmed());
    return QJsonObject{{QStringLiteral("invoice_settings"), settings}};
}

QJsonObject PaymentTerms::toJson() const
{
    QJsonArray extra;
    for (const InvoiceCustomField &f : extraFields)
        extra.append(QJsonObject{{QStringLiteral("name"), f.name}, {QStringLiteral("value"), f.value}});
    return QJsonObject{{QStringLiteral("collection_method"), collectionMethodName()},
                       {QStringLiteral("days_until_due"), daysUntilDue},
                       {QStringLiteral("po_number"), poNumber},
                       {QStringLiteral("extra_fields"), extra},
                       {QStringLiteral("memo"), memo},
                       {QStringLiteral("footer"), footer},
                       {QStringLiteral("payment_method_types"), QJsonArray::fromStringList(paymentMethodTypes)},
                       {QStringLiteral("bank_transfer_country"), bankTransferCountry}};
}

PaymentTerms PaymentTerms::fromJson(const QJsonObject &j)
{
    PaymentTerms t;
    t.collection = j.value(QLatin1String("collection_method")).toString() == QLatin1String("send_invoice")
        ? Collection::SendInvoice
        : Collection::ChargeAutomatically;
    t.daysUntilDue = j.value(QLatin1String("days_until_due")).toInt(30);
    t.poNumber = j.value(QLatin1String("po_number")).toString();
    for (const QJsonValue &v : j.value(QLatin1String("extra_fields")).toArray())
        t.extraFields << InvoiceCustomField{v.toObject().value(QLatin1String("name")).toString(),
                                            v.toObject().value(QLatin1String("value")).toString()};
    t.memo = j.value(QLatin1String("memo")).toString();
    t.footer = j.value(QLatin1String("footer")).toString();
    for (const QJsonValue &v : j.value(QLatin1String("payment_method_types")).toArray())
        t.paymentMethodTypes << v.toString();
    t.bankTransferCountry = j.value(QLatin1String("bank_transfer_country")).toString();
    return t;
}

} // namespace Billing

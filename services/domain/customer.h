#pragma once

#include <QDateTime>
#include <QMap>
#include <QString>

namespace Billing {

// A Stripe customer as the console keeps it. Amounts in minor units of `currency`.
struct Customer
{
    QString id;       // cus_...
    QString name;
    QString email;
    QString currency; // ISO code, lower case as Stripe sends it; empty until first invoiced
    qint64 balanceMinor = 0; // negative = credit the customer has with us
    bool delinquent = false;
    QString defaultPaymentMethod; // invoice_settings.default_payment_method
    QString description;
    QString phone;
    QString country; // address.country
    QString region;  // address.state: state, county, province or region, as the customer wrote it
    QDateTime created; // UTC
    bool livemode = false;
    QMap<QString, QString> metadata;
};

} // namespace Billing

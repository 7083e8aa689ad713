#pragma once

#include "services/stripe/formencoder.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace Billing {

// One Stripe endpoint the console uses: HTTP method, path template ("{}" marks an id) and the
// top-level parameter names the console may send to it. StripeClient refuses requests outside this
// table, and tst_stripecontract checks every row against the pinned official Node SDK, so a
// request the console can build is one the SDK (and so Stripe's API version) knows.
struct StripeEndpoint
{
    QString method; // GET | POST | DELETE
    QString pathTemplate;
    QStringList params;
};

class StripeEndpoints final
{
public:
    static const QList<StripeEndpoint> &all();

    // The row whose template matches method + concrete path ("/v1/customers/cus_1" matches
    // "/v1/customers/{}"); nullptr when none.
    static const StripeEndpoint *match(const QString &method, const QString &path);

    // Empty when the request is in the table; else what is wrong, for the log.
    static QString check(const QString &method, const QString &path, const FormParams &params);
};

} // namespace Billing

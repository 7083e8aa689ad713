#pragma once

#include "tests/testsupport.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

namespace Billing::Test {

// Stripe's official example objects (../shared/stripe/fixtures3.json), by object name.
inline QJsonObject stripeFixtures()
{
    QFile f(sharedDir() + QStringLiteral("/stripe/fixtures3.json"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object().value(QLatin1String("resources")).toObject();
}

} // namespace Billing::Test

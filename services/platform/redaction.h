#pragma once

#include <QString>
#include <QStringView>

namespace Billing {

// Masks secrets and card data in text that is about to be logged. Pure and thread-safe.
// - Stripe keys and secrets (sk_live_, sk_test_, rk_live_, rk_test_, whsec_): the prefix and the
// last
//   4 characters stay, as Stripe's dashboard shows them: "sk_test_****ab12".
// - Authorization headers and bare "Bearer"/"Basic" credentials: "Authorization: Bearer ****".
// - Card numbers: 13 to 19 digits (optionally grouped by single spaces or dashes) that pass the
// Luhn
//   check; every digit but the last 4 becomes '*'.
namespace Redaction {

QString redact(QStringView text);

// True if the digits (no separators) pass the Luhn checksum.
bool luhnValid(QStringView digits);

} // namespace Redaction

} // namespace Billing

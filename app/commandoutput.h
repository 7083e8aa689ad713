#pragma once

#include <QTextStream>

namespace Billing {

// What every headless command shares: its exit codes and one stdout/stderr stream each, so the
// lines of several commands in one run never interleave out of order.
constexpr int ExitOk = 0;
constexpr int ExitFailed = 1;
constexpr int ExitBadArguments = 2;
constexpr int ExitPending = 3; // queued in the outbox, not yet confirmed by Stripe

inline QTextStream &out()
{
    static QTextStream s(stdout);
    return s;
}

inline QTextStream &err()
{
    static QTextStream s(stderr);
    return s;
}

} // namespace Billing

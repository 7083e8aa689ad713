#pragma once

#include "services/dunning/retrypolicy.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <QTimeZone>

namespace Billing {

// A deterministic pseudo-random generator (SplitMix64): the same seed gives the same numbers on
// every platform and compiler (std::*_distribution does not).
class SplitMix64 final
{
public:
    explicit SplitMix64(quint64 seed) : m_state(seed) {}
    quint64 next();
    double uniform(); // [0, 1)
    int below(int n); // [0, n)
    static quint64 mix(quint64 a, quint64 b); // a hash of two numbers
private:
    quint64 m_state;
};

// One failed payment of the simulated population, with the "world" it lives in: what the
// customer will do and when their card would work. Every policy replays the same cases.
struct SimulatedCase
{
    int index = 0;
    QString code;
    qint64 amountMinor = 0;
    QDateTime failedAt;     // UTC
    QTimeZone zone;
    QDateTime newMethodAt;  // UTC: when the customer attaches a new payment method (invalid = never)
    QDateTime churnAt;      // UTC: when the customer gives up on the subscription (invalid = never)
};

struct SimulationConfig
{
    int population = 20000;
    quint64 seed = 20261126;
    QDateTime start = QDateTime(QDate(2026, 1, 1), QTime(0, 0), QTimeZone::utc()); // failures spread over 90 days from here
    QString currency = QStringLiteral("usd");
};

struct PolicyOutcome
{
    QString policyKey;
    QString policyLabel;
    int failures = 0;
    qint64 failedMinor = 0;
    int recovered = 0;
    qint64 recoveredMinor = 0;
    int retries = 0;               // retries made (the first failure not counted)
    double meanDaysToRecovery = 0; // over recovered cases
    double medianDaysToRecovery = 0;
    QMap<QString, int> failuresByCode;
    QMap<QString, int> recoveredByCode;
    QMap<QString, qint64> recoveredMinorByCode;
    QMap<int, int> recoveredByRetry; // retry number -> recovered on that retry
    double recoveryRate() const { return failures ? double(recovered) / failures : 0.0; }
    double amountRate() const { return failedMinor ? double(recoveredMinor) / double(failedMinor) : 0.0; }
};

// Replays a population of failed subscription payments through a retry policy.
//
// The population (decline-code mix, amounts, time zones) and the per-code recovery odds are
// modelled on published industry figures (sources in recoverysimulator.cpp). Each attempt
// succeeds with a probability that depends on the decline code, the time since the failure, pay
// days (insufficient funds), the customer's local hour, and whether a new payment method has been
// attached; a customer who churns stops paying. Pure computation; thread-safe; deterministic for a
// seed.
class RecoverySimulator final
{
public:
    explicit RecoverySimulator(SimulationConfig config = {});
    const QList<SimulatedCase> &cases() const { return m_cases; }
    const SimulationConfig &config() const { return m_config; }

    PolicyOutcome run(const RetryPolicy &policy) const;
    // The chance an attempt at `at` succeeds for `c` (exposed for tests).
    double successProbability(const SimulatedCase &c, const QDateTime &at, int triesOfThisCard, bool newCard) const;
    // Insufficient funds: whether the customer's account has money at `at` (refilled on pay days).
    bool funded(const SimulatedCase &c, const QDateTime &at) const;

private:
    SimulationConfig m_config;
    QList<SimulatedCase> m_cases;
};

} // namespace Billing

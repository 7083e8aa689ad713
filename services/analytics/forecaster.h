#pragma once

#include "services/domain/money.h"
#include "services/domain/result.h"

#include <QList>
#include <QString>

#include <optional>

namespace Billing {

// Holt-Winters exponential smoothing (level + trend + seasonal), the forecaster behind the analytics
// pane and the budgets' early warnings.
//
// Units: the series is a plain count per period (usage units, or revenue in MINOR units of one
// currency); values are doubles because usage counts are not money. Revenue forecasts go back to
// Money only through toMoney(), which rounds once with a named Rounding.
// Threading: pure functions, no Qt objects; call them from any thread (the pane runs them through
// QtConcurrent). Errors: Kind::Validation for a series too short, non-finite values, or options out
// of range (userMessage says which).

enum class Seasonality {
    None,           // Holt's linear trend, no seasonal term
    Additive,       // y = level + trend + season
    Multiplicative, // y = (level + trend) * season (every value must be > 0)
    Automatic,      // fits Additive and, when every value is > 0, Multiplicative; keeps the lower SSE
};

QString seasonalityName(Seasonality seasonality); // "none", "additive", "multiplicative", "automatic"

struct ForecastOptions
{
    int horizon = 3;          // periods to forecast after the last value, 1..24
    int seasonLength = 12;    // periods per season (12 for months over a year); seasonal fits need
                              // 2 full seasons and one more value, else the fit falls back to Seasonality::None
    Seasonality seasonality = Seasonality::Automatic;
    double bandZ = 1.96;      // the prediction band is value +- bandZ * sigma_h (1.96: about 95%)
    int backtestPoints = 3;   // hide this many last values, refit, report MAPE (0 = no backtest)
    bool nonNegative = true;  // clamp value and band at 0 (counts and revenue cannot go below 0)
};

struct ForecastPoint
{
    int step = 0;        // 1 = the period right after the last value
    double value = 0;
    double lower = 0;    // prediction band
    double upper = 0;
};

struct Forecast
{
    QList<ForecastPoint> points;   // options.horizon points
    QList<double> fitted;          // one-step-ahead fit for each input value (NaN before the fit starts)
    Seasonality seasonality = Seasonality::None; // the model actually used
    double alpha = 0;              // level smoothing
    double beta = 0;               // trend smoothing
    double gamma = 0;              // seasonal smoothing (0 without seasonality)
    double sse = 0;                // one-step sum of squared errors that the parameters minimise
    double sigma = 0;              // standard deviation of the one-step errors (relative for multiplicative)
    // The forecaster's own accuracy: the last backtestPoints values hidden, the model refitted on the
    // rest, its forecast compared with what happened. Mean absolute percentage error in percent over
    // the hidden values that are not 0; nullopt when the series is too short to hide them.
    std::optional<double> backtestMape;
    int backtestPoints = 0;
    QList<double> backtestForecast; // what the refitted model predicted for the hidden values
    QString describe() const;       // "Holt-Winters additive (alpha 0.30, beta 0.05, gamma 0.20)"
};

// Fits the parameters by minimising the one-step SSE over a grid of alpha, beta, gamma in
// [0.05, 0.95] refined by a finer grid around the best point, then forecasts options.horizon
// periods with a prediction band. Needs at least 4 values (2 seasons for seasonal models).
Result<Forecast> forecast(const QList<double> &series, const ForecastOptions &options = {});

// The mean absolute percentage error (percent) of `predicted` against `actual` over the positions
// where actual is not 0. Validation error when the lengths differ or nothing can be compared.
Result<double> meanAbsolutePercentageError(const QList<double> &actual, const QList<double> &predicted);

// A forecast value in minor units back to Money, rounded once with `rounding`. Validation error for
// a non-finite value or one outside qint64.
Result<Money> toMoney(double minorUnits, const Currency &currency, Rounding rounding);

} // namespace Billing

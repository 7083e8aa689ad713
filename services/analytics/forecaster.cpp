#include "services/analytics/forecaster.h"

#include <cmath>
#include <limits>

#include <QCoreApplication>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("Billing::Forecaster", text); }

Error invalid(const QString &message) { return Error::make(Error::Kind::Validation, message); }

struct Params
{
    double alpha = 0.3;
    double beta = 0.1;
    double gamma = 0.1;
};

struct Fit
{
    double sse = std::numeric_limits<double>::infinity();
    double sigma = 0;
    int errors = 0;
    QList<double> fitted;
    double level = 0;
    double trend = 0;
    QList<double> season; // the last m seasonal indices, oldest first (season[(n + k) % m] style below)
    bool ok = false;
};

double mean(const QList<double> &v, int from, int count)
{
    double s = 0;
    for (int i = from; i < from + count; ++i)
        s += v.at(i);
    return s / count;
}

// Runs the smoothing over the whole series with fixed parameters. Seasonal models start after the
// first season (initialised from the first two seasons, detrended); Holt's model after the first value.
Fit run(const QList<double> &y, Seasonality kind, int m, const Params &p, bool keepFitted)
{
    Fit fit;
    const int n = int(y.size());
    const bool seasonal = kind == Seasonality::Additive || kind == Seasonality::Multiplicative;
    const bool mult = kind == Seasonality::Multiplicative;
    int start = 0;
    double level = 0;
    double trend = 0;
    QList<double> season; // indexed by t % m
    if (seasonal) {
        const double first = mean(y, 0, m);
        const double second = mean(y, m, m);
        trend = (second - first) / m;
        level = first + trend * (m - 1) / 2.0; // level at t = m - 1
        season.resize(m);
        for (int i = 0; i < m; ++i) {
            const double base = first + trend * (i - (m - 1) / 2.0);
            if (mult) {
                if (base <= 0)
                    return fit;
                season[i] = y.at(i) / base;
            } else {
                season[i] = y.at(i) - base;
            }
        }
        start = m;
    } else {
        level = y.at(0);
        trend = y.at(1) - y.at(0);
        start = 1;
    }
    if (keepFitted)
        fit.fitted = QList<double>(n, std::numeric_limits<double>::quiet_NaN());
    double sse = 0;
    double sumSq = 0;
    int count = 0;
    for (int t = start; t < n; ++t) {
        const double s = seasonal ? season.at(t % m) : (mult ? 1.0 : 0.0);
        const double yhat = mult ? (level + trend) * s : level + trend + s;
        const double err = y.at(t) - yhat;
        if (!std::isfinite(yhat))
            return fit;
        if (keepFitted)
            fit.fitted[t] = yhat;
        sse += err * err;
        const double rel = mult ? (yhat != 0 ? err / yhat : 0) : err;
        sumSq += rel * rel;
        ++count;
        const double prevLevel = level;
        if (mult) {
            if (s == 0)
                return fit;
            level = p.alpha * (y.at(t) / s) + (1 - p.alpha) * (level + trend);
        } else {
            level = p.alpha * (y.at(t) - s) + (1 - p.alpha) * (level + trend);
        }
        trend = p.beta * (level - prevLevel) + (1 - p.beta) * trend;
        if (seasonal) {
            if (mult) {
                if (level == 0)
                    return fit;
                season[t % m] = p.gamma * (y.at(t) / level) + (1 - p.gamma) * s;
            } else {
                season[t % m] = p.gamma * (y.at(t) - level) + (1 - p.gamma) * s;
            }
        }
    }
    fit.sse = sse;
    fit.errors = count;
    fit.sigma = count > 1 ? std::sqrt(sumSq / (count - 1)) : 0;
    fit.level = level;
    fit.trend = trend;
    fit.season = season;
    fit.ok = std::isfinite(sse);
    return fit;
}

struct Best
{
    Params params;
    Fit fit;
};

// Grid search on [0.05, 0.95] in steps of 0.05, then a finer grid (0.01) around the best point.
Best fitParameters(const QList<double> &y, Seasonality kind, int m)
{
    const bool seasonal = kind == Seasonality::Additive || kind == Seasonality::Multiplicative;
    Best best;
    auto consider = [&](double a, double b, double g) {
        Params p{a, b, seasonal ? g : 0.0};
        Fit f = run(y, kind, m, p, false);
        if (f.ok && f.sse < best.fit.sse) {
            best.params = p;
            best.fit = f;
        }
    };
    for (int ia = 1; ia <= 19; ++ia)
        for (int ib = 1; ib <= 19; ++ib) {
            if (!seasonal) {
                consider(ia * 0.05, ib * 0.05, 0);
                continue;
            }
            for (int ig = 1; ig <= 19; ++ig)
                consider(ia * 0.05, ib * 0.05, ig * 0.05);
        }
    if (!best.fit.ok)
        return best;
    const Params centre = best.params;
    auto clampRange = [](double v) { return std::min(0.99, std::max(0.01, v)); };
    for (int da = -4; da <= 4; ++da)
        for (int db = -4; db <= 4; ++db) {
            const double a = clampRange(centre.alpha + da * 0.01);
            const double b = clampRange(centre.beta + db * 0.01);
            if (!seasonal) {
                consider(a, b, 0);
                continue;
            }
            for (int dg = -4; dg <= 4; ++dg)
                consider(a, b, clampRange(centre.gamma + dg * 0.01));
        }
    best.fit = run(y, kind, m, best.params, true);
    return best;
}

Status validate(const QList<double> &series, const ForecastOptions &options)
{
    if (options.horizon < 1 || options.horizon > 24)
        return invalid(tr("The forecast horizon must be between 1 and 24 periods."));
    if (options.seasonLength < 2 || options.seasonLength > 366)
        return invalid(tr("The season length must be between 2 and 366 periods."));
    if (options.backtestPoints < 0)
        return invalid(tr("The backtest cannot hide a negative number of periods."));
    if (!(options.bandZ >= 0) || !std::isfinite(options.bandZ))
        return invalid(tr("The prediction band width must be a positive number."));
    if (series.size() < 4)
        return invalid(tr("A forecast needs at least 4 periods of history; this series has %1.")
                           .arg(series.size()));
    for (qsizetype i = 0; i < series.size(); ++i)
        if (!std::isfinite(series.at(i)))
            return invalid(tr("Value %1 of the series is not a number.").arg(i + 1));
    return {};
}

Result<Forecast> fitAndForecast(const QList<double> &y, const ForecastOptions &options)
{
    if (Status s = validate(y, options); !s)
        return s.error();
    const int m = options.seasonLength;
    const int n = int(y.size());
    QList<Seasonality> candidates;
    // Two seasons initialise level, trend and season; at least one more value is needed so that the
    // fitted errors are not all inside the initialisation window (they would be 0 by construction).
    const bool enoughForSeason = n >= 2 * m + 1;
    bool allPositive = true;
    for (double v : y)
        allPositive = allPositive && v > 0;
    switch (options.seasonality) {
    case Seasonality::None:
        candidates << Seasonality::None;
        break;
    case Seasonality::Additive:
        candidates << (enoughForSeason ? Seasonality::Additive : Seasonality::None);
        break;
    case Seasonality::Multiplicative:
        if (enoughForSeason && !allPositive)
            return invalid(tr("Multiplicative seasonality needs every value above zero."));
        candidates << (enoughForSeason ? Seasonality::Multiplicative : Seasonality::None);
        break;
    case Seasonality::Automatic:
        if (enoughForSeason) {
            candidates << Seasonality::Additive;
            if (allPositive)
                candidates << Seasonality::Multiplicative;
        } else {
            candidates << Seasonality::None;
        }
        break;
    }
    Best best;
    Seasonality kind = Seasonality::None;
    for (Seasonality c : candidates) {
        Best b = fitParameters(y, c, m);
        if (b.fit.ok && b.fit.sse < best.fit.sse) {
            best = b;
            kind = c;
        }
    }
    if (!best.fit.ok)
        return invalid(tr("The series could not be fitted (values too irregular)."));

    Forecast out;
    out.seasonality = kind;
    out.alpha = best.params.alpha;
    out.beta = best.params.beta;
    out.gamma = best.params.gamma;
    out.sse = best.fit.sse;
    out.sigma = best.fit.sigma;
    out.fitted = best.fit.fitted;
    const bool seasonal = kind == Seasonality::Additive || kind == Seasonality::Multiplicative;
    const bool mult = kind == Seasonality::Multiplicative;
    double varianceFactor = 1.0; // 1 + sum of c_j^2 (Hyndman et al., ETS(A,A,A) h-step variance)
    for (int h = 1; h <= options.horizon; ++h) {
        if (h > 1) {
            const int j = h - 1;
            const double c = out.alpha * (1 + j * out.beta) + ((seasonal && j % m == 0) ? out.gamma : 0.0);
            varianceFactor += c * c;
        }
        const double s = seasonal ? best.fit.season.at((n + h - 1) % m) : (mult ? 1.0 : 0.0);
        const double base = best.fit.level + h * best.fit.trend;
        ForecastPoint p;
        p.step = h;
        p.value = mult ? base * s : base + s;
        const double halfWidth = options.bandZ * out.sigma * std::sqrt(varianceFactor) * (mult ? std::abs(p.value) : 1.0);
        p.lower = p.value - halfWidth;
        p.upper = p.value + halfWidth;
        if (options.nonNegative) {
            p.value = std::max(0.0, p.value);
            p.lower = std::max(0.0, p.lower);
            p.upper = std::max(0.0, p.upper);
        }
        out.points << p;
    }
    return out;
}

} // namespace

QString seasonalityName(Seasonality seasonality)
{
    switch (seasonality) {
    case Seasonality::None:
        return QStringLiteral("none");
    case Seasonality::Additive:
        return QStringLiteral("additive");
    case Seasonality::Multiplicative:
        return QStringLiteral("multiplicative");
    case Seasonality::Automatic:
        return QStringLiteral("automatic");
    }
    return {};
}

QString Forecast::describe() const
{
    if (seasonality == Seasonality::None)
        return tr("Holt linear trend (alpha %1, beta %2)")
            .arg(QString::number(alpha, 'f', 2), QString::number(beta, 'f', 2));
    return tr("Holt-Winters %1 (alpha %2, beta %3, gamma %4)")
        .arg(seasonality == Seasonality::Additive ? tr("additive") : tr("multiplicative"),
             QString::number(alpha, 'f', 2), QString::number(beta, 'f', 2), QString::number(gamma, 'f', 2));
}

Result<Forecast> forecast(const QList<double> &series, const ForecastOptions &options)
{
    Result<Forecast> main = fitAndForecast(series, options);
    if (!main)
        return main;
    Forecast out = std::move(main.value());
    const int hide = options.backtestPoints;
    if (hide > 0 && series.size() - hide >= 4) {
        ForecastOptions backOptions = options;
        backOptions.horizon = std::min(24, hide);
        backOptions.backtestPoints = 0;
        // Keep the same model family where the shorter series still allows it.
        if (options.seasonality == Seasonality::Automatic)
            backOptions.seasonality = out.seasonality;
        if (backOptions.seasonality != Seasonality::None && series.size() - hide < 2 * options.seasonLength + 1)
            backOptions.seasonality = Seasonality::None;
        const QList<double> head = series.mid(0, series.size() - hide);
        const QList<double> tail = series.mid(series.size() - hide);
        if (Result<Forecast> back = fitAndForecast(head, backOptions)) {
            QList<double> predicted;
            for (const ForecastPoint &p : back->points)
                predicted << p.value;
            out.backtestForecast = predicted;
            out.backtestPoints = hide;
            if (Result<double> mape = meanAbsolutePercentageError(tail, predicted))
                out.backtestMape = *mape;
        }
    }
    return out;
}

Result<double> meanAbsolutePercentageError(const QList<double> &actual, const QList<double> &predicted)
{
    if (actual.size() != predicted.size())
        return invalid(tr("The actual and predicted series have different lengths."));
    double sum = 0;
    int count = 0;
    for (qsizetype i = 0; i < actual.size(); ++i) {
        if (actual.at(i) == 0 || !std::isfinite(actual.at(i)) || !std::isfinite(predicted.at(i)))
            continue;
        sum += std::abs((actual.at(i) - predicted.at(i)) / actual.at(i));
        ++count;
    }
    if (count == 0)
        return invalid(tr("There is no non-zero value to measure the error against."));
    return 100.0 * sum / count;
}

Result<Money> toMoney(double minorUnits, const Currency &currency, Rounding rounding)
{
    if (!currency.isValid())
        return invalid(tr("The forecast has no currency."));
    if (!std::isfinite(minorUnits) || std::abs(minorUnits) > 9.0e18)
        return invalid(tr("The forecast amount is out of range."));
    double r = 0;
    const double fl = std::floor(minorUnits);
    const double frac = minorUnits - fl;
    switch (rounding) {
    case Rounding::Down:
        r = std::trunc(minorUnits);
        break;
    case Rounding::Up:
        r = minorUnits < 0 ? std::floor(minorUnits) : std::ceil(minorUnits);
        break;
    case Rounding::Floor:
        r = fl;
        break;
    case Rounding::Ceiling:
        r = std::ceil(minorUnits);
        break;
    case Rounding::HalfUp:
        r = std::round(minorUnits); // half away from zero
        break;
    case Rounding::HalfEven:
        if (frac == 0.5)
            r = std::fmod(fl, 2.0) == 0 ? fl : fl + 1;
        else
            r = std::round(minorUnits);
        break;
    }
    return Money(static_cast<qint64>(r), currency);
}

} // namespace Billing

#include "services/analytics/forecaster.h"

#include <cmath>
#include <numbers>
#include <random>

#include <QtTest>

using namespace Billing;

namespace {

// Seeded Gaussian noise that is the same on every platform: std::mt19937's output sequence is fixed
// by the standard (unlike std::normal_distribution), Box-Muller turns two uniforms into a normal.
class Noise
{
public:
    explicit Noise(quint32 seed) : m_engine(seed) {}
    double next(double sigma)
    {
        const double u1 = (double(m_engine()) + 1.0) / 4294967297.0;
        const double u2 = (double(m_engine()) + 1.0) / 4294967297.0;
        return sigma * std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
    }

private:
    std::mt19937 m_engine;
};

// trend + additive season, noise-free: the truth the forecaster must recover.
double additiveTruth(int t) { return 200.0 + 3.0 * t + 20.0 * std::sin(2 * std::numbers::pi * t / 12.0); }
// a season whose amplitude grows with the level.
double multiplicativeTruth(int t) { return (100.0 + 2.0 * t) * (1.0 + 0.3 * std::sin(2 * std::numbers::pi * t / 12.0)); }

} // namespace

class tst_Forecaster final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void linearSeriesIsExtrapolatedExactly();
    void additiveSeasonalSeriesIsRecovered();
    void multiplicativeSeasonalSeriesIsRecovered();
    void backtestHidesTheLastValues();
    void mapeIsTheMeanRelativeError();
    void shortSeriesFallsBackToTrend();
    void badInputIsRefused_data();
    void badInputIsRefused();
    void toMoneyRoundsOnceWithTheNamedMode_data();
    void toMoneyRoundsOnceWithTheNamedMode();
};

void tst_Forecaster::linearSeriesIsExtrapolatedExactly()
{
    // y = 10 + 5t for t = 0..9: Holt's initial trend y1 - y0 = 5 leaves no error to smooth, so every
    // parameter choice forecasts 60, 65, 70 with zero one-step error (and a band of zero width).
    QList<double> y;
    for (int t = 0; t < 10; ++t)
        y << 10.0 + 5.0 * t;
    ForecastOptions o;
    o.seasonality = Seasonality::None;
    o.backtestPoints = 0;
    const Result<Forecast> f = forecast(y, o);
    QVERIFY2(f.ok(), qPrintable(f.ok() ? QString() : f.error().userMessage));
    QCOMPARE(f->points.size(), 3);
    QVERIFY(std::abs(f->points.at(0).value - 60.0) < 1e-9);
    QVERIFY(std::abs(f->points.at(1).value - 65.0) < 1e-9);
    QVERIFY(std::abs(f->points.at(2).value - 70.0) < 1e-9);
    QVERIFY(f->sse < 1e-12);
    QVERIFY(std::abs(f->points.at(2).upper - f->points.at(2).lower) < 1e-9);
}

void tst_Forecaster::additiveSeasonalSeriesIsRecovered()
{
    // 5 years of months: 200 + 3t + 20 sin(2 pi t / 12) + N(0, 2). Tolerance: the forecast may miss the
    // noise-free truth by at most 4 noise sigmas (8 units, about 2% of ~380). A 1-3 step Holt-Winters
    // forecast has an error sigma of roughly sigma * sqrt(1 + sum c_j^2), about 1.1-1.5 sigma for the
    // small smoothing constants a clean series gets, so 4 sigma leaves room for parameter error while
    // a model that lost the season (off by up to 20) or the trend (off by 9 after 3 steps) fails.
    Noise noise(20261126);
    QList<double> y;
    for (int t = 0; t < 60; ++t)
        y << additiveTruth(t) + noise.next(2.0);
    ForecastOptions o;
    o.seasonality = Seasonality::Additive;
    const Result<Forecast> f = forecast(y, o);
    QVERIFY2(f.ok(), qPrintable(f.ok() ? QString() : f.error().userMessage));
    QCOMPARE(f->seasonality, Seasonality::Additive);
    QCOMPARE(f->points.size(), 3);
    for (const ForecastPoint &p : f->points) {
        const double truth = additiveTruth(59 + p.step);
        QVERIFY2(std::abs(p.value - truth) <= 8.0,
                 qPrintable(QStringLiteral("step %1: %2 vs truth %3").arg(p.step).arg(p.value).arg(truth)));
        QVERIFY2(p.lower <= truth && truth <= p.upper,
                 qPrintable(QStringLiteral("step %1: truth %2 outside [%3, %4]").arg(p.step).arg(truth).arg(p.lower).arg(p.upper)));
        QVERIFY(p.upper - p.lower < 40.0); // a band, not "anything goes"
    }
    // The one-step residuals estimate the noise: sigma within 2 +- 50%.
    QVERIFY2(f->sigma > 1.0 && f->sigma < 3.0, qPrintable(QString::number(f->sigma)));
    // Its own accuracy: the last 3 months hidden and refitted; noise of 2 on ~370 is ~0.5%, so below 2%.
    QVERIFY(f->backtestMape.has_value());
    QVERIFY2(*f->backtestMape < 2.0, qPrintable(QString::number(*f->backtestMape)));
}

void tst_Forecaster::multiplicativeSeasonalSeriesIsRecovered()
{
    // (100 + 2t)(1 + 0.3 sin(2 pi t / 12)) * (1 + N(0, 1%)): the season's swing grows from 30 to 65,
    // which an additive model cannot follow, so Automatic must choose Multiplicative. Tolerance 5% of
    // the truth: 5 sigmas of the 1% relative noise.
    Noise noise(7);
    QList<double> y;
    for (int t = 0; t < 60; ++t)
        y << multiplicativeTruth(t) * (1.0 + noise.next(0.01));
    const Result<Forecast> f = forecast(y, ForecastOptions{});
    QVERIFY2(f.ok(), qPrintable(f.ok() ? QString() : f.error().userMessage));
    QCOMPARE(f->seasonality, Seasonality::Multiplicative);
    for (const ForecastPoint &p : f->points) {
        const double truth = multiplicativeTruth(59 + p.step);
        QVERIFY2(std::abs(p.value - truth) <= 0.05 * truth,
                 qPrintable(QStringLiteral("step %1: %2 vs truth %3").arg(p.step).arg(p.value).arg(truth)));
        QVERIFY(p.lower <= truth && truth <= p.upper);
    }
    QVERIFY(f->backtestMape.has_value());
    QVERIFY2(*f->backtestMape < 3.0, qPrintable(QString::number(*f->backtestMape)));
    QVERIFY(f->describe().contains(QStringLiteral("multiplicative")));
}

void tst_Forecaster::backtestHidesTheLastValues()
{
    // A series that jumps in its last 3 values: a model fitted without them cannot know the jump,
    // so the backtest must report the miss. Head: 100 + t for t = 0..11 (Holt forecasts 112, 113, 114
    // exactly). Hidden tail: 224, 226, 228 = twice the continuation. MAPE = mean(|224-112|/224, ...) = 50%.
    QList<double> y;
    for (int t = 0; t < 12; ++t)
        y << 100.0 + t;
    y << 224 << 226 << 228;
    ForecastOptions o;
    o.seasonality = Seasonality::None;
    const Result<Forecast> f = forecast(y, o);
    QVERIFY(f.ok());
    QCOMPARE(f->backtestPoints, 3);
    QCOMPARE(f->backtestForecast.size(), 3);
    QVERIFY(std::abs(f->backtestForecast.at(0) - 112.0) < 1e-9);
    QVERIFY(std::abs(f->backtestForecast.at(2) - 114.0) < 1e-9);
    QVERIFY(f->backtestMape.has_value());
    QVERIFY2(std::abs(*f->backtestMape - 50.0) < 1e-9, qPrintable(QString::number(*f->backtestMape)));
}

void tst_Forecaster::mapeIsTheMeanRelativeError()
{
    // |100-90|/100 = 10%, |200-250|/200 = 25%, actual 0 skipped: (10 + 25) / 2 = 17.5%.
    const Result<double> m = meanAbsolutePercentageError({100, 200, 0}, {90, 250, 5});
    QVERIFY(m.ok());
    QCOMPARE(*m, 17.5);
    QVERIFY(!meanAbsolutePercentageError({0, 0}, {1, 2}).ok());
    QVERIFY(!meanAbsolutePercentageError({1, 2}, {1}).ok());
}

void tst_Forecaster::shortSeriesFallsBackToTrend()
{
    // 8 months cannot hold two seasons of 12: the forecaster says it used no seasonality.
    const Result<Forecast> f = forecast({5, 6, 7, 8, 9, 10, 11, 12}, ForecastOptions{});
    QVERIFY(f.ok());
    QCOMPARE(f->seasonality, Seasonality::None);
    QVERIFY(std::abs(f->points.at(0).value - 13.0) < 1e-9);
}

void tst_Forecaster::badInputIsRefused_data()
{
    QTest::addColumn<QList<double>>("series");
    QTest::addColumn<int>("horizon");
    QTest::addColumn<int>("seasonality");
    QTest::newRow("too short") << QList<double>{1, 2, 3} << 3 << int(Seasonality::Automatic);
    QTest::newRow("nan") << QList<double>{1, 2, std::nan(""), 4, 5} << 3 << int(Seasonality::None);
    QTest::newRow("infinite") << QList<double>{1, 2, INFINITY, 4, 5} << 3 << int(Seasonality::None);
    QTest::newRow("horizon 0") << QList<double>{1, 2, 3, 4, 5} << 0 << int(Seasonality::None);
    QTest::newRow("horizon 25") << QList<double>{1, 2, 3, 4, 5} << 25 << int(Seasonality::None);
    QList<double> withZero;
    for (int t = 0; t < 30; ++t)
        withZero << (t == 5 ? 0.0 : 10.0 + t);
    QTest::newRow("multiplicative with a zero") << withZero << 3 << int(Seasonality::Multiplicative);
}

void tst_Forecaster::badInputIsRefused()
{
    QFETCH(QList<double>, series);
    QFETCH(int, horizon);
    QFETCH(int, seasonality);
    ForecastOptions o;
    o.horizon = horizon;
    o.seasonality = Seasonality(seasonality);
    const Result<Forecast> f = forecast(series, o);
    QVERIFY(!f.ok());
    QCOMPARE(f.error().kind, Error::Kind::Validation);
    QVERIFY(!f.error().userMessage.isEmpty());
}

void tst_Forecaster::toMoneyRoundsOnceWithTheNamedMode_data()
{
    QTest::addColumn<double>("minor");
    QTest::addColumn<QString>("currency");
    QTest::addColumn<int>("rounding");
    QTest::addColumn<qint64>("expected");
    QTest::newRow("usd half up .5") << 1234.5 << "USD" << int(Rounding::HalfUp) << qint64(1235);
    QTest::newRow("usd half even 2.5") << 2.5 << "USD" << int(Rounding::HalfEven) << qint64(2);
    QTest::newRow("usd half even 3.5") << 3.5 << "USD" << int(Rounding::HalfEven) << qint64(4);
    QTest::newRow("jpy down") << 999.99 << "JPY" << int(Rounding::Down) << qint64(999);
    QTest::newRow("kwd ceiling") << 1000.01 << "KWD" << int(Rounding::Ceiling) << qint64(1001);
    QTest::newRow("negative floor") << -1.2 << "EUR" << int(Rounding::Floor) << qint64(-2);
    QTest::newRow("negative up") << -1.2 << "EUR" << int(Rounding::Up) << qint64(-2);
}

void tst_Forecaster::toMoneyRoundsOnceWithTheNamedMode()
{
    QFETCH(double, minor);
    QFETCH(QString, currency);
    QFETCH(int, rounding);
    QFETCH(qint64, expected);
    const Result<Money> m = toMoney(minor, *Currency::fromCode(currency), Rounding(rounding));
    QVERIFY(m.ok());
    QCOMPARE(m->minor(), expected);
    QCOMPARE(m->currency().code(), currency);
    QVERIFY(!toMoney(std::nan(""), *Currency::fromCode(currency), Rounding(rounding)).ok());
}

QTEST_GUILESS_MAIN(tst_Forecaster)
#include "tst_forecaster.moc"

#pragma once

#include <QDate>
#include <QList>
#include <QString>
#include <QWidget>

namespace Billing {

// History, forecast and its prediction band, plus the backtest's predictions over the hidden last
// months (dotted), for the analytics pane. Values are drawn in display units (major units or usage
// units); the pane shows the exact rounded amounts in its table.
class ForecastChartView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ForecastChartView)

public:
    struct Point
    {
        double value = 0;
        double lower = 0;
        double upper = 0;
    };
    explicit ForecastChartView(QWidget *parent = nullptr);
    ~ForecastChartView() override;

    void setForecast(const QString &title, const QList<QDate> &months, const QList<double> &history,
                     const QList<Point> &forecast, const QList<double> &backtest, const QString &valueTitle);
    void clear(const QString &message);
    int forecastPointCount() const;
    bool hasBand() const;
    bool exportPng(const QString &path, QString *error = nullptr);

private:
    struct Private;
    Private *d;
};

} // namespace Billing

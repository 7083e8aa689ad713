#pragma once

#include <QDate>
#include <QList>
#include <QString>
#include <QWidget>

namespace Billing {

// A monthly chart for the analytics pane: lines, or areas stacked on each other. Values are what the
// chart draws (major units or percent): the exact numbers live in the tables beside it. A NaN value
// leaves a gap (a month whose converted value is unknown). All Qt Charts code stays in ui/charts/.
class AnalyticsChartView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AnalyticsChartView)

public:
    struct Series
    {
        QString name;
        QList<double> values; // one per month
    };
    explicit AnalyticsChartView(QWidget *parent = nullptr);
    ~AnalyticsChartView() override;

    void setSeries(const QString &title, const QList<QDate> &months, const QList<Series> &series,
                   const QString &valueTitle, bool stacked, const QString &valueFormat = QStringLiteral("%.0f"));
    int seriesCount() const;
    int pointCount() const;
    QString title() const;
    bool exportPng(const QString &path, QString *error = nullptr);

private:
    struct Private;
    Private *d;
};

} // namespace Billing

#pragma once

#include "services/domain/result.h"

#include <QString>
#include <QStringList>

namespace Billing {

class MainWindow;

// Visits every pane (selecting the first row so the detail panel is filled), grabs the window to
// <dir>/<pane>.png, then the Settings dialog to <dir>/settings.png. Runs the event loop while
// waiting for data (up to a few seconds per pane). Returns the files written.
Result<QStringList> saveScreenshots(MainWindow &window, const QString &dir);

} // namespace Billing

#pragma once

#include <QDir>
#include <QString>
#include <QtGlobal>

namespace Billing::Test {

// Environment set by tests/CMakeLists.txt (bc_add_test). Empty when the fixture was not asked for.
inline QString env(const char *name) { return qEnvironmentVariable(name); }
inline QString sandboxUrl() { return env("BC_SANDBOX_URL"); }
inline QString sandboxKey() { return env("BC_SANDBOX_KEY"); }
inline QString sharedDir() { return env("BC_SHARED_DIR"); }
inline QString sourceDir() { return env("BC_SOURCE_DIR"); }

// A folder for screenshots that people look at: <build>/screenshots.
inline QString screenshotDir()
{
    const QString dir = env("BC_SCREENSHOT_DIR").isEmpty() ? QDir::tempPath() + QStringLiteral("/bc-screenshots")
                                                          : env("BC_SCREENSHOT_DIR");
    QDir().mkpath(dir);
    return dir;
}

} // namespace Billing::Test

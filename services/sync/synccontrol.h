#pragma once

#include "services/domain/result.h"

#include <QDateTime>
#include <QObject>
#include <QString>

namespace Billing {

// Which Stripe the console talks to, for the status bar.
struct ConnectionInfo
{
    // Live: sk_live_/rk_live_ key. Test: test key at Stripe's own API. Sandbox: test key at another
    // base URL (a Stripe-compatible endpoint). Offline: the last call could not reach the API.
    enum class Mode { Unknown, Live, Test, Sandbox, Offline };
    Mode mode = Mode::Unknown;
    QString accountId;   // acct_...
    QString displayName; // settings.dashboard.display_name
    QString baseUrl;
    QString lastError;   // user text of the last failure, empty when fine
};

// What the UI needs of synchronisation: start, cancel, progress, outcome. Implemented by
// SyncService (Stripe -> local cache); faked in UI tests.
class SyncControl : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    ~SyncControl() override = default;

    virtual void startFullSync() = 0;
    virtual void startRefresh() = 0; // incremental where possible, else full
    virtual void cancel() = 0;
    virtual bool isRunning() const = 0;
    virtual QDateTime lastSyncedAt() const = 0; // invalid when never
    virtual ConnectionInfo connection() const = 0;

Q_SIGNALS:
    void started();
    // stage is user text ("Customers", "Invoices"); total is 0 when unknown.
    void progress(const QString &stage, qint64 done, qint64 total);
    void finished(const Billing::Status &outcome);
    void connectionChanged(const Billing::ConnectionInfo &info);
};

} // namespace Billing

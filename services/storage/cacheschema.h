#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace Billing {

// The local cache's schema history. PRAGMA user_version holds the version a file is at; open()
// applies the steps after it, in order, each in one transaction. Files older than
// OldestMigratableVersion (a pre-release layout) or newer than the last step are rebuilt empty.
namespace CacheSchema {

struct Migration
{
    int toVersion = 0;
    QStringList statements; // applied in order; DDL only
};

// Version 0 with no tables is a fresh file; version 0 with tables is an unversioned pre-release
// layout that cannot be migrated.
constexpr int OldestMigratableVersion = 0;

// Every step, oldest first. The last step's toVersion is LocalCache::SchemaVersion.
const QList<Migration> &migrations();

// The NULL sentinel of nullable timestamp sort columns: NULL sorts after every date.
constexpr qint64 NullTimeSentinel = 9223372036854775807LL;

} // namespace CacheSchema
} // namespace Billing

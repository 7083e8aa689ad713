#pragma once

#include "models/pagedtablemodel.h"

#include <QSignalSpy>
#include <QTest>

namespace Billing::Test {

// Reloads and waits for the first page.
inline bool waitLoaded(PagedTableModel &model)
{
    return QTest::qWaitFor([&] { return !model.isLoading(); }, 5000);
}

inline bool reloadAndWait(PagedTableModel &model)
{
    model.reload();
    return waitLoaded(model);
}

// Fetches pages until the model says there are no more.
inline bool fetchAll(PagedTableModel &model)
{
    for (int guard = 0; guard < 1000; ++guard) {
        if (!waitLoaded(model))
            return false;
        if (!model.canFetchMore({}))
            return true;
        model.fetchMore({});
    }
    return false;
}

inline QVariantList column(const QAbstractItemModel &model, int col, int role)
{
    QVariantList out;
    for (int r = 0; r < model.rowCount(); ++r)
        out.append(model.index(r, col).data(role));
    return out;
}

} // namespace Billing::Test

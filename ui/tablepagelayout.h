#pragma once

#include <QList>

class QFrame;
class QLabel;
class QScrollArea;
class QSplitter;
class QStackedWidget;
class QTableView;
class QWidget;

namespace Billing {

// The pieces every list pane (TablePage and the audit and outbox panes) builds the same way: the
// read-only row table, the table/empty-state stack, the scrolling detail panel and the splitter
// that holds them side by side.
class TablePageLayout final
{
public:
    TablePageLayout() = delete;

    // Whole-row single selection, no editing, grid or wrapping, the status delegate, a hidden
    // vertical header with 34 px rows, no highlighted header sections.
    static void setUpView(QTableView *view);
    // Hides the columns whose width is 0 (except elasticColumn), sizes the others and lets
    // elasticColumn take the remaining width.
    static void setColumnWidths(QTableView *view, const QList<int> &widths, int elasticColumn);
    // A stack of the view and an "EmptyState" label (returned in *empty), the view shown first.
    static QStackedWidget *createTableStack(QTableView *view, QLabel **empty);
    // The "DetailPanel" frame holding a transparent, vertically scrolling area (returned in *scroll).
    static QFrame *createDetailFrame(QScrollArea **scroll, int minimumWidth);
    // A horizontal splitter with the table (3 parts) and the detail (1 part) at the given sizes.
    static QSplitter *createSplitter(QWidget *table, QWidget *detail, const QList<int> &sizes);
};

} // namespace Billing

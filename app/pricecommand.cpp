#include "app/pricecommand.h"

#include "app/commandoutput.h"
#include "app/workspacesession.h"
#include "services/pricing/pricecalculator.h"
#include "services/pricing/quote.h"
#include "services/storage/asynclocalcache.h"

#include <QCoreApplication>
#include <QDir>
#include <QHash>

namespace Billing {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("PriceCommand", text); }

int fail(const QString &message)
{
    err() << tr("error: %1").arg(message) << Qt::endl;
    return ExitFailed;
}

int bad(const QString &message)
{
    err() << tr("error: %1").arg(message) << Qt::endl << priceUsage();
    return ExitBadArguments;
}

QString modelOf(const Price &p)
{
    if (p.isTiered())
        return p.tiersMode == QLatin1String("volume") ? tr("tiered volume") : tr("tiered graduated");
    return p.isPackage() ? tr("package") : tr("per unit");
}

QStringList currenciesOf(const Price &p)
{
    QStringList codes{p.currency.toUpper()};
    for (auto it = p.currencyOptions.cbegin(); it != p.currencyOptions.cend(); ++it) {
        if (it.key() != p.currency)
            codes << it.key().toUpper();
    }
    return codes;
}

} // namespace

QString priceUsage()
{
    return tr("Usage: billing-console price list [--currency CUR]\n"
              "       billing-console price quote PRICE --quantity N [--currency CUR] [--customer NAME] [-o FILE.csv]\n"
              "  list   the active prices in the local cache (run `sync` first)\n"
              "  quote  what PRICE charges for N units, line by line in minor units, rounded as Stripe\n"
              "         rounds invoice lines; -o also writes the quote as CSV\n");
}

int runPriceCommand(WorkspaceSession &session, const QStringList &args)
{
    if (args.isEmpty() || args.contains(QStringLiteral("--help")) || args.contains(QStringLiteral("-h"))) {
        out() << priceUsage();
        return args.isEmpty() ? ExitBadArguments : ExitOk;
    }
    const QString sub = args.first();
    QStringList positional;
    QHash<QString, QString> options;
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString &a = args.at(i);
        if (a.startsWith(QLatin1Char('-'))) {
            if (i + 1 >= args.size())
                return bad(tr("%1 needs a value.").arg(a));
            options.insert(a, args.at(++i));
        } else {
            positional << a;
        }
    }
    const QString currency = options.take(QStringLiteral("--currency")).toLower();
    if (!currency.isEmpty() && !Currency::fromCode(currency))
        return bad(tr("%1 is not a currency Stripe knows.").arg(currency.toUpper()));

    if (Result<LocalCache::OpenReport> opened = session.cache().openBlocking(session.settings().cachePath); !opened)
        return fail(opened.error().userMessage);
    const auto catalog = session.cache().thread().runBlocking([](LocalCache &cache) -> Result<QPair<QList<Product>, QList<Price>>> {
        Result<QList<Product>> products = cache.products();
        if (!products)
            return products.error();
        Result<QList<Price>> prices = cache.prices();
        if (!prices)
            return prices.error();
        return qMakePair(*products, *prices);
    });
    if (!catalog)
        return fail(catalog.error().userMessage);
    QHash<QString, QString> productNames;
    for (const Product &p : catalog->first)
        productNames.insert(p.id, p.name);

    if (sub == QLatin1String("list")) {
        if (!positional.isEmpty() || !options.isEmpty())
            return bad(tr("price list takes only --currency."));
        int shown = 0;
        for (const Price &p : catalog->second) {
            const QStringList codes = currenciesOf(p);
            if (!p.active || (!currency.isEmpty() && !codes.contains(currency.toUpper())))
                continue;
            out() << p.id.leftJustified(30) << u' ' << productNames.value(p.productId, p.productId).leftJustified(24) << u' '
                  << modelOf(p).leftJustified(17) << u' ' << codes.join(QLatin1Char(',')) << Qt::endl;
            ++shown;
        }
        out() << tr("%1 active prices.").arg(shown) << Qt::endl;
        return ExitOk;
    }
    if (sub != QLatin1String("quote"))
        return bad(tr("Unknown price command %1.").arg(sub));

    if (positional.size() != 1)
        return bad(tr("price quote takes one price id."));
    bool ok = false;
    const QString quantityText = options.take(QStringLiteral("--quantity"));
    const qint64 quantity = quantityText.toLongLong(&ok);
    if (!ok || quantity < 0)
        return bad(tr("--quantity takes a whole number of units (0 or more), not \"%1\".").arg(quantityText));
    const QString customer = options.take(QStringLiteral("--customer"));
    const QString file = options.take(QStringLiteral("-o"));
    if (!options.isEmpty())
        return bad(tr("%1 does not go with price quote.").arg(options.keys().first()));

    const QString id = positional.first();
    const auto it = std::find_if(catalog->second.cbegin(), catalog->second.cend(), [&](const Price &p) { return p.id == id; });
    if (it == catalog->second.cend())
        return fail(tr("There is no price %1 in the local cache (run `sync`, or see `price list`).").arg(id));
    const Result<Price> resolved = PriceCalculator::inCurrency(*it, currency.isEmpty() ? it->currency : currency);
    if (!resolved)
        return fail(resolved.error().userMessage);
    const Result<Quote> quote = Quote::make(*resolved, productNames.value(it->productId), quantity, customer);
    if (!quote)
        return fail(quote.error().userMessage);

    const Currency cur = quote->charge.total.currency();
    out() << tr("%1 x %2 (%3), %4:").arg(QString::number(quantity), quote->productName.isEmpty() ? id : quote->productName,
                                          modelOf(*resolved), cur.code())
          << Qt::endl;
    for (const PriceChargeLine &l : quote->charge.lines)
        out() << QStringLiteral("  ") << l.description.leftJustified(48) << u' '
              << Money(l.amountMinor, cur).toDecimalString().rightJustified(14) << u' ' << cur.code() << Qt::endl;
    out() << QStringLiteral("  ") << tr("Total").leftJustified(48) << u' '
          << quote->charge.total.toDecimalString().rightJustified(14) << u' ' << cur.code()
          << tr("  (%1 minor units)").arg(quote->charge.total.minor()) << Qt::endl;
    if (!file.isEmpty()) {
        if (Status s = QuoteCsv::write(*quote, file); !s)
            return fail(s.error().userMessage);
        out() << tr("Quote written to %1.").arg(QDir::toNativeSeparators(file)) << Qt::endl;
    }
    return ExitOk;
}

} // namespace Billing

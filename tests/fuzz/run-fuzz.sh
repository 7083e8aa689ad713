#!/usr/bin/env bash
# CTest fuzz_stripeparser: builds tests/fuzz/project with clang++ and libFuzzer (once; later runs
# only re-make what changed), makes a seed corpus from Stripe's official fixtures, runs the fuzzer
# for a bounded time and fails on any crash, leak, sanitizer report or timeout.
#
# Environment (set by tests/fuzz/CMakeLists.txt):
#   BC_SOURCE_DIR   repository root             BC_BINARY_DIR  main build directory
#   BC_SHARED_DIR   holds stripe/fixtures3.json BC_FUZZ_CXX    clang++
#   BC_FUZZ_SECONDS fuzzing time (default 60)   BC_FUZZ_BUDGET build + fuzz seconds (default 140)
set -euo pipefail

: "${BC_SOURCE_DIR:?}" "${BC_BINARY_DIR:?}" "${BC_SHARED_DIR:?}"
CXX=${BC_FUZZ_CXX:-clang++}
SECONDS_WANTED=${BC_FUZZ_SECONDS:-60}
BUDGET=${BC_FUZZ_BUDGET:-140}

here=$BC_SOURCE_DIR/tests/fuzz
build=$BC_BINARY_DIR/fuzz-build
corpus=$BC_BINARY_DIR/fuzz-corpus
artifacts=$BC_BINARY_DIR/fuzz-artifacts
log=$BC_BINARY_DIR/fuzz-stripeparser.log
fuzzer=$build/fuzz_stripeparser
fixtures=$BC_SHARED_DIR/stripe/fixtures3.json
started=$(date +%s)

# 1. Build (configure only once; make then rebuilds only what changed, nothing on a second run).
before=$(stat -c %Y "$fuzzer" 2>/dev/null || echo none)
if [[ ! -f $build/CMakeCache.txt ]]; then
    cmake -S "$here/project" -B "$build" -G "Unix Makefiles" -DCMAKE_CXX_COMPILER="$CXX" \
        -DBC_SOURCE_DIR="$BC_SOURCE_DIR" >"$build.configure.log" 2>&1 \
        || { cat "$build.configure.log"; echo "fuzz_stripeparser: configuring the fuzz project failed"; exit 1; }
fi
if ! cmake --build "$build" -j2 >"$build.build.log" 2>&1; then
    tail -60 "$build.build.log"
    echo "fuzz_stripeparser: building the fuzzer failed"
    exit 1
fi
after=$(stat -c %Y "$fuzzer")
built_in=$(($(date +%s) - started))
if [[ $before == "$after" ]]; then
    echo "fuzz_stripeparser: fuzzer up to date, not rebuilt (${built_in}s)"
else
    echo "fuzz_stripeparser: fuzzer built in ${built_in}s"
fi

# 2. Seeds. Byte 0 selects the parser ('A' customer .. 'L' 2xx body, see fuzz_stripeparser.cpp);
# the body is the official example object, alone, as a list page and wrapped in an event.
rm -rf "$corpus/fixtures" "$artifacts"
# Inputs found by earlier runs are kept (they start the next run further on) unless they pile up.
if [[ -d $corpus/found ]] && (($(find "$corpus/found" -type f | wc -l) > 3000)); then
    rm -rf "$corpus/found"
fi
mkdir -p "$corpus/fixtures" "$corpus/found" "$artifacts"
[[ -f $fixtures ]] || { echo "fuzz_stripeparser: $fixtures missing"; exit 1; }
declare -A letter=([customer]=A [product]=B [price]=C [subscription_item]=D [subscription]=E
                   [line_item]=F [invoice]=G [invoice_payment]=H [account]=I [event]=J)
for name in "${!letter[@]}"; do
    object=$(jq -ce --arg n "$name" '.resources[$n]' "$fixtures") \
        || { echo "fuzz_stripeparser: no '$name' in $fixtures"; exit 1; }
    printf '%s%s' "${letter[$name]}" "$object" >"$corpus/fixtures/$name"
    printf 'L{"object":"list","url":"/v1/x","has_more":false,"data":[%s]}' "$object" >"$corpus/fixtures/list-$name"
    printf 'J{"id":"evt_seed","object":"event","type":"%s.updated","created":1700000000,"data":{"object":%s}}' \
        "$name" "$object" >"$corpus/fixtures/event-$name"
done
printf 'H[%s,%s]' "$(jq -c '.resources.invoice_payment' "$fixtures")" "$(jq -c '.resources.payment_intent' "$fixtures")" \
    >"$corpus/fixtures/invoice_payment-with-intent"
printf 'M%s' "$(jq -c '.resources.invoice_payment' "$fixtures")" >"$corpus/fixtures/payment-intent-id"
echo "fuzz_stripeparser: $(ls "$corpus/fixtures" | wc -l) fixture seeds, $(ls "$here/seeds" | wc -l) committed seeds," \
     "$(ls "$corpus/found" | wc -l) inputs kept from earlier runs"

# 3. Fuzz. Whatever time the build used comes off the budget, but never below 15 s.
seconds=$SECONDS_WANTED
left=$((BUDGET - built_in))
((left < seconds)) && seconds=$left
((seconds < 15)) && seconds=15
echo "fuzz_stripeparser: fuzzing for ${seconds}s"
fuzz_started=$(date +%s)
set +e
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=5 -max_len=65536 \
    -print_final_stats=1 -dict="$here/stripe.dict" -artifact_prefix="$artifacts/" \
    "$corpus/found" "$corpus/fixtures" "$here/seeds" >"$log" 2>&1
rc=$?
set -e
took=$(($(date +%s) - fuzz_started))

# 4. Verdict.
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
reports=$(grep -cE 'runtime error:|ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|contract violated' "$log" || true)
found=$(find "$artifacts" -type f | wc -l)
crashes=$((found > reports ? found : reports))
((rc != 0 && crashes == 0)) && crashes=1

grep -E '^(INFO: seed corpus|#[0-9]+[[:space:]]+(INITED|DONE))' "$log" || true
if ((crashes > 0)); then
    echo "---- fuzzer log from the first report ($log) ----"
    awk '/runtime error:|==[0-9]+==ERROR|contract violated|deadly signal/ {p=1} p' "$log" | head -120
    for f in "$artifacts"/*; do
        [[ -f $f ]] || continue
        echo "---- input $f ($(stat -c %s "$f") bytes), first 512 bytes:"
        head -c 512 "$f" | od -c | head -40
        echo "     reproduce: $fuzzer $f"
    done
fi
echo "fuzz_stripeparser: executions=${runs:-0} time=${took}s crashes=$crashes exit=$rc"
((crashes == 0 && rc == 0))

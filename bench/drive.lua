-- drive.lua - the wrk script behind bench/*.sh.
--
-- Plays requests from a file (one a line: METHOD<TAB>PATH<TAB>BODY<TAB>
-- Header: value<TAB>...) and stops cleanly: every request it sends gets
-- its answer counted, so the server's side (rows in a database) can be
-- compared with the answers exactly.  Settings come from the environment:
--
--   BENCH_REQS     the request file (required)
--   BENCH_MODE     "once": each line is sent at most once, lines split
--                  between the threads (signed webhooks, distinct SIDs);
--                  "cycle": the lines are repeated in order
--   BENCH_QUOTA    stop issuing after this many requests in all (0: none)
--   BENCH_RUN_SECONDS  stop issuing after this many seconds (0: none)
--   BENCH_THREADS  wrk's -t (the script splits work per thread)
--   BENCH_MARKS    a private directory for the threads' "finished" marks
--
-- When a thread has nothing more to send it parks its connections (a long
-- delay()), waits for the answers still in flight, marks itself finished
-- and stops; the last thread to finish sends wrk SIGINT, which ends wrk's
-- sleep, so wrk's own duration is the time until the last answer.
-- done() prints one line: "BENCH_RESULT key=value ...", latencies in µs.

local ffi = require("ffi")
ffi.cdef [[
struct bench_timespec { long tv_sec; long tv_nsec; };
int clock_gettime(int clk, struct bench_timespec *ts);
int kill(int pid, int sig);
int getpid(void);
]]
local tsbuf = ffi.new("struct bench_timespec")
local function now()
    ffi.C.clock_gettime(1, tsbuf) -- CLOCK_MONOTONIC
    return tonumber(tsbuf.tv_sec) + tonumber(tsbuf.tv_nsec) / 1e9
end

local mode = os.getenv("BENCH_MODE") or "cycle"
local quota_all = tonumber(os.getenv("BENCH_QUOTA") or "0") or 0
local run_seconds = tonumber(os.getenv("BENCH_RUN_SECONDS") or "0") or 0
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1") or 1
local marks = os.getenv("BENCH_MARKS") or "/tmp"
local PARK_MS = 24 * 3600 * 1000

-- main state: remember the threads for done()
local threads = {}
local next_id = 0
function setup(thread)
    thread:set("tid", next_id)
    next_id = next_id + 1
    table.insert(threads, thread)
end

-- thread state
tid = tid or 0
local reqs = {}
local idx, sent, received, ok, other = 0, 0, 0, 0, 0
local statuses = {}
local limit = nil
local t0 = nil
local stopping, finished, exhausted = false, false, false

local function split(s, sep)
    local out, pos = {}, 1
    while true do
        local a, b = string.find(s, sep, pos, true)
        if not a then table.insert(out, string.sub(s, pos)); return out end
        table.insert(out, string.sub(s, pos, a - 1))
        pos = b + 1
    end
end

function init(args)
    local path = os.getenv("BENCH_REQS")
    local n = 0
    for line in io.lines(path) do
        if line ~= "" then
            if mode ~= "once" or n % nthreads == tid then
                local f = split(line, "\t")
                local headers = {}
                for i = 4, #f do
                    local k, v = string.match(f[i], "^([^:]+):%s*(.*)$")
                    if k then headers[k] = v end
                end
                local body = f[3] ~= "" and f[3] or nil
                table.insert(reqs, wrk.format(f[1], f[2], headers, body))
            end
            n = n + 1
        end
    end
    -- limit: how many requests this thread may send (nil: no limit)
    if quota_all > 0 then
        limit = math.floor(quota_all / nthreads)
        if tid < quota_all % nthreads then limit = limit + 1 end
    end
    if mode == "once" and (limit == nil or limit > #reqs) then
        limit = #reqs
    end
end

local function finish()
    if finished then return end
    finished = true
    local f = io.open(marks .. "/done." .. tid, "w")
    if f then f:close() end
    local all = true
    for i = 0, nthreads - 1 do
        local g = io.open(marks .. "/done." .. i, "r")
        if g then g:close() else all = false end
    end
    if all then ffi.C.kill(ffi.C.getpid(), 2) end -- SIGINT: wrk stops sleeping
    wrk.thread:stop()
end

local function check()
    if stopping and received >= sent then finish() end
end

function delay()
    if not t0 then t0 = now() end
    if stopping then return PARK_MS end
    if (limit and sent >= limit) or (run_seconds > 0 and now() - t0 >= run_seconds) then
        if mode == "once" and sent >= #reqs and quota_all == 0 then exhausted = true end
        stopping = true
        check()
        return PARK_MS
    end
    sent = sent + 1
    return 0
end

function request()
    if not t0 then return reqs[1] end -- wrk's check of the script, before the run
    idx = idx % #reqs + 1
    return reqs[idx]
end

function response(status, headers, body)
    received = received + 1
    if status == 200 then ok = ok + 1 else other = other + 1 end
    statuses[status] = (statuses[status] or 0) + 1
    if stopping then check() end
end

function done(summary, latency, requests)
    local s, r, o, ex, codes = 0, 0, 0, 0, {}
    for _, t in ipairs(threads) do
        s = s + t:get("sent_count")
        r = r + t:get("received_count")
        o = o + t:get("ok_count")
        if t:get("exhausted_flag") then ex = ex + 1 end
        for code, c in pairs(t:get("status_counts")) do codes[code] = (codes[code] or 0) + c end
    end
    local cs = {}
    for code, c in pairs(codes) do table.insert(cs, code .. ":" .. c) end
    table.sort(cs)
    local e = summary.errors
    io.write(string.format(
        "BENCH_RESULT sent=%d answered=%d ok=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
        "exhausted_threads=%d sock_errors=%d statuses=%s\n",
        s, r, o, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
        latency.max, ex, e.connect + e.read + e.write + e.timeout, table.concat(cs, ",")))
end

-- thread:get() reads globals: publish the counters under global names
local _response = response
function response(status, headers, body)
    _response(status, headers, body)
    received_count, ok_count, status_counts = received, ok, statuses
end
local _delay = delay
function delay()
    local d = _delay()
    sent_count, exhausted_flag = sent, exhausted
    return d
end
received_count, ok_count, sent_count, exhausted_flag, status_counts = 0, 0, 0, false, {}

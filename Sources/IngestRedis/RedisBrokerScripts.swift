/// The Lua scripts behind `RedisBroker`: every transition that touches more than one key runs as
/// one script, so it is atomic however many workers call at once.
///
/// Layout under the key base `B` (the key prefix and a hash tag, so every key of one namespace
/// hashes to one cluster slot and a script may touch any of them):
///
/// | key | type | holds |
/// |---|---|---|
/// | `seq` | string | the last task id |
/// | `t:ID` | hash | one unfinished task: job, queue, kind, key, payload, state, fence, attempts, retries, policy, pass, error |
/// | `ready:QUEUE` | list | ids of ready tasks, oldest first (ids of cancelled tasks are skipped when popped) |
/// | `delayed` | sorted set | ready tasks that may not run before their score (retry delay, next periodic pass) |
/// | `inflight` | sorted set | running tasks by lease deadline |
/// | `failed` | sorted set | the failed registry, by task id |
/// | `jf:LEN:NAME:QUEUE` | sorted set | job NAME's part of `failed` on QUEUE (LEN: the name's length in bytes), by task id: pages filtered by job or queue read these instead of all of `failed` |
/// | `jfx:LEN:NAME` | string | while job NAME's `jf:` sets are rebuilt in steps: the SSCAN cursor of `jt:NAME` reached (expires after 60 s) |
/// | `job:NAME` | hash | kind, spec, state, times, pending/running/blocked counts, schedule, pass, last pass |
/// | `jc:NAME` | hash | the job's counters |
/// | `jq:NAME` | hash | the job's unfinished tasks per queue: `r:`/`b:`/`u:`/`f:` + queue |
/// | `jt:NAME` | set | ids of the job's unfinished tasks (for stop and resubmission) |
/// | `jp:NAME` | hash | pass number to that pass's summary (JSON) |
/// | `keys:NAME` | hash | task key to how many unfinished tasks carry it (dependency checks) |
/// | `fc:NAME` | hash | key to owner: first claims of the current pass (`claimFirst`) |
/// | `shared:LEN:NAME:KEY` | string | a shared value of job NAME (LEN: the name's length in bytes); may have a time to live |
/// | `shared-keys:NAME` | set | every KEY job NAME has stored a shared value under, for `forget` |
/// | `workers` | hash | worker id to its record (JSON) |
/// | `workers:expiry` | sorted set | worker ids by the time their record stops counting as live |
/// | `deps:LEN:NAME:KEY` | set | ids of tasks waiting for a task with that key to succeed |
/// | `tdeps:ID` | set | the keys task ID still waits for |
/// | `jobs` | sorted set | job names by submission time |
/// | `queues` | set | every queue that has held a task |
/// | `unscheduled` | set | periodic jobs whose next pass the Swift side must still queue (cron is computed there) |
/// | `finalizing` | set | jobs whose pass's own work is done and whose final tasks the Swift side must still queue |
///
/// Task states: `r` ready, `d` delayed, `u` running (under lease), `f` failed, `b` blocked.
/// Timestamps travel and are stored as the decimal text Swift sent, never computed on in Lua
/// beyond comparisons, so no precision is lost to Lua's number formatting.
///
/// `jf:` sets are newer than the rest: a registry written by an earlier version has none, and a
/// worker of an earlier version still running adds to `failed` alone. Every version keeps the
/// `jq:NAME` `f:QUEUE` counts, so a page checks each set it reads against its count (one ZCARD)
/// and rebuilds the job's sets from `jt:NAME` when they differ: a lazy migration, once per job,
/// costing what that job holds, in steps of 10,000 tasks for a large job so that no script holds
/// the server for long (`failedTasks`, `reindexFailed`).
enum RedisBrokerScripts {
    /// Helpers shared by the mutating scripts. `ARGV[1]` is the key base, `ARGV[2]` the time.
    static let prelude = """
        local B = ARGV[1]
        local nowText = ARGV[2]
        local now = tonumber(nowText)

        """ + failedRegistry + """
        local function jkey(job) return B .. 'job:' .. job end
        local function tkey(id) return B .. 't:' .. id end
        local function depkey(job, key) return B .. 'deps:' .. #job .. ':' .. job .. ':' .. key end

        local function counter(job, name, delta)
          if delta ~= 0 then redis.call('HINCRBY', B .. 'jc:' .. job, name, delta) end
        end
        local function jobadd(job, field, delta)
          if delta ~= 0 then redis.call('HINCRBY', jkey(job), field, delta) end
        end
        local function qadd(job, queue, kind, delta)
          if delta ~= 0 then
            local field = kind .. ':' .. queue
            if redis.call('HINCRBY', B .. 'jq:' .. job, field, delta) == 0 then
              redis.call('HDEL', B .. 'jq:' .. job, field)
            end
          end
        end
        -- Batched forms of `counter`, `jobadd` and `qadd` for the per-task hot paths of claim and
        -- finish: the deltas of a whole batch go out as one HINCRBY per field. Increments commute, so
        -- mixing them with the direct forms is safe as long as `flush_deltas` runs before anything
        -- reads those fields (`finalize`) and before the script returns.
        local deltas = { c = {}, j = {}, q = {} }
        local function add_delta(kind, job, field, delta)
          local fields = deltas[kind][job]
          if not fields then
            fields = {}
            deltas[kind][job] = fields
          end
          fields[field] = (fields[field] or 0) + delta
        end
        -- Calls `cmd key args...` in chunks, so a batch of any size stays within Lua's stack.
        local function call_chunked(cmd, key, args)
          for s = 1, #args, 1000 do
            redis.call(cmd, key, unpack(args, s, math.min(s + 999, #args)))
          end
        end
        local function append(lists, name, value)
          local list = lists[name]
          if not list then
            list = {}
            lists[name] = list
          end
          list[#list + 1] = value
        end
        -- Changes to the `keys:` counts, and tasks to delete, gathered per batch and applied by
        -- `flush_batch` in a few calls per job instead of several per task. Whatever reads them
        -- (`insert_tasks` resolving dependencies, `finalize`) flushes first, and so does every
        -- script before it returns.
        local keyDeltas = {}
        local forgottenKeys = {}
        local forgottenIDs = {}
        local leftInflight = {}
        -- Jobs that got a waiting task in this script (their `blocked` count read earlier is stale).
        local depsAdded = {}
        local function add_key(job, key, delta)
          local keys = keyDeltas[job]
          if not keys then
            keys = {}
            keyDeltas[job] = keys
          end
          keys[key] = (keys[key] or 0) + delta
        end
        local function flush_keys()
          for job, keys in pairs(keyDeltas) do
            local kk = B .. 'keys:' .. job
            local names = {}
            for key, delta in pairs(keys) do
              if delta ~= 0 then names[#names + 1] = key end
            end
            for s = 1, #names, 1000 do
              local e = math.min(s + 999, #names)
              local current = redis.call('HMGET', kk, unpack(names, s, e))
              local sets, dels = {}, {}
              for n = s, e do
                local value = tonumber(current[n - s + 1] or '0') + keys[names[n]]
                if value > 0 then
                  sets[#sets + 1] = names[n]
                  sets[#sets + 1] = value
                else
                  dels[#dels + 1] = names[n]
                end
              end
              if #sets > 0 then redis.call('HSET', kk, unpack(sets)) end
              if #dels > 0 then redis.call('HDEL', kk, unpack(dels)) end
            end
          end
          keyDeltas = {}
        end
        local function flush_deltas()
          for job, fields in pairs(deltas.c) do
            for field, delta in pairs(fields) do counter(job, field, delta) end
          end
          for job, fields in pairs(deltas.j) do
            for field, delta in pairs(fields) do jobadd(job, field, delta) end
          end
          for job, fields in pairs(deltas.q) do
            for field, delta in pairs(fields) do qadd(job, string.sub(field, 3), string.sub(field, 1, 1), delta) end
          end
          deltas = { c = {}, j = {}, q = {} }
        end
        local function flush_batch()
          flush_deltas()
          flush_keys()
          if #forgottenKeys > 0 then
            for s = 1, #forgottenKeys, 1000 do
              redis.call('DEL', unpack(forgottenKeys, s, math.min(s + 999, #forgottenKeys)))
            end
            forgottenKeys = {}
          end
          for job, ids in pairs(forgottenIDs) do call_chunked('SREM', B .. 'jt:' .. job, ids) end
          forgottenIDs = {}
          if #leftInflight > 0 then
            call_chunked('ZREM', B .. 'inflight', leftInflight)
            leftInflight = {}
          end
        end
        local function push_ready(id, queue, notBefore)
          if notBefore > now then
            redis.call('HSET', tkey(id), 'state', 'd')
            redis.call('ZADD', B .. 'delayed', notBefore, id)
          else
            redis.call('HSET', tkey(id), 'state', 'r')
            redis.call('RPUSH', B .. 'ready:' .. queue, id)
          end
        end
        -- Removes a task that ended or was cancelled, with its place in the job.
        -- Applied by `flush_batch`.
        local function forget(id, job, key)
          forgottenKeys[#forgottenKeys + 1] = tkey(id)
          forgottenKeys[#forgottenKeys + 1] = B .. 'tdeps:' .. id
          append(forgottenIDs, job, id)
          add_key(job, key, -1)
        end
        -- Takes a blocked task out of the sets of the keys it waits for.
        local function unlink_deps(id, job)
          for _, key in ipairs(redis.call('SMEMBERS', B .. 'tdeps:' .. id)) do
            redis.call('SREM', depkey(job, key), id)
          end
        end
        -- A task with `key` succeeded: each task waiting for it drops the key, and one whose
        -- set became empty is ready, in this same script, so exactly one completion releases it.
        local function release_dependents(job, key)
          local dk = depkey(job, key)
          local waiters = redis.call('SMEMBERS', dk)
          if #waiters == 0 then return end
          redis.call('DEL', dk)
          for _, w in ipairs(waiters) do
            local tdk = B .. 'tdeps:' .. w
            redis.call('SREM', tdk, key)
            if redis.call('SCARD', tdk) == 0 then
              local t = redis.call('HMGET', tkey(w), 'state', 'queue')
              if t[1] == 'b' then
                push_ready(w, t[2], 0)
                jobadd(job, 'pending', 1)
                jobadd(job, 'blocked', -1)
                qadd(job, t[2], 'b', -1)
                qadd(job, t[2], 'r', 1)
              end
            end
          end
        end
        -- Skips `count` encoded tasks starting at ARGV[i]; returns the index after them.
        local function skip_tasks(i, count)
          for _ = 1, count do i = i + 12 + tonumber(ARGV[i + 11]) end
          return i
        end
        -- Inserts `count` encoded tasks starting at ARGV[i]: job, queue, kind, key, payload,
        -- max_retries, delay, timeout, entries, failed_error ('' for none), not_before, ndeps, deps...
        -- `pass` nil means each job's current pass. Ids, set memberships and ready lists are written
        -- once per batch; each task costs one HSET.
        local function insert_tasks(i, count, pass)
          if count == 0 then return i end
          local dependents = {}
          local id = redis.call('INCRBY', B .. 'seq', count) - count
          local passes = {}
          local newIDs = {}
          local readyIDs = {}
          local queues = {}
          for _ = 1, count do
            local job, queue, kind, key = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
            local entries, failedError = tonumber(ARGV[i + 8]), ARGV[i + 9]
            local notBefore, ndeps = tonumber(ARGV[i + 10]), tonumber(ARGV[i + 11])
            id = id + 1
            local taskPass = pass or passes[job]
            if not taskPass then
              taskPass = redis.call('HGET', jkey(job), 'pass')
              passes[job] = taskPass
            end
            local state = 'r'
            if failedError ~= '' then
              state = 'f'
            elseif ndeps > 0 then
              state = 'b'
            elseif notBefore > now then
              state = 'd'
            end
            redis.call('HSET', tkey(id), 'job', job, 'queue', queue, 'kind', kind, 'key', key,
              'payload', ARGV[i + 4], 'max_retries', ARGV[i + 5], 'delay', ARGV[i + 6], 'timeout', ARGV[i + 7],
              'entries', entries, 'fence', 0, 'attempts', 0, 'retries', 0, 'pass', taskPass, 'state', state)
            append(newIDs, job, id)
            add_key(job, key, 1)
            queues[queue] = true
            add_delta('c', job, 'tasks.queued', 1)
            if state == 'f' then
              redis.call('HSET', tkey(id), 'error', failedError, 'failed_at', nowText)
              add_failed(id, job, queue)
              add_delta('c', job, 'tasks.failed', 1)
              add_delta('c', job, 'entries.failed', entries)
              add_delta('q', job, 'f:' .. queue, 1)
            elseif state == 'b' then
              local deps = {}
              for d = 1, ndeps do deps[d] = ARGV[i + 11 + d] end
              dependents[#dependents + 1] = { id, job, queue, key, deps, notBefore }
            else
              if state == 'd' then
                redis.call('ZADD', B .. 'delayed', notBefore, id)
              else
                append(readyIDs, queue, id)
              end
              add_delta('j', job, 'pending', 1)
              add_delta('q', job, 'r:' .. queue, 1)
            end
            i = i + 12 + ndeps
          end
          for job, ids in pairs(newIDs) do call_chunked('SADD', B .. 'jt:' .. job, ids) end
          for queue, ids in pairs(readyIDs) do call_chunked('RPUSH', B .. 'ready:' .. queue, ids) end
          local queueNames = {}
          for queue in pairs(queues) do queueNames[#queueNames + 1] = queue end
          call_chunked('SADD', B .. 'queues', queueNames)
          if #dependents == 0 then return i end
          -- Resolved after the whole batch is in, so a parent may come before its children; the
          -- key counts must be current for that.
          flush_keys()
          for _, d in ipairs(dependents) do
            local id, job, queue, ownKey, deps, notBefore = d[1], d[2], d[3], d[4], d[5], d[6]
            local waiting = false
            for _, key in ipairs(deps) do
              local unfinished = tonumber(redis.call('HGET', B .. 'keys:' .. job, key) or '0')
              if key == ownKey then unfinished = unfinished - 1 end
              if unfinished > 0 and redis.call('SADD', B .. 'tdeps:' .. id, key) == 1 then
                redis.call('SADD', depkey(job, key), id)
                waiting = true
              end
            end
            if waiting then
              depsAdded[job] = true
              add_delta('j', job, 'blocked', 1)
              add_delta('q', job, 'b:' .. queue, 1)
            else
              push_ready(id, queue, notBefore)
              add_delta('j', job, 'pending', 1)
              add_delta('q', job, 'r:' .. queue, 1)
            end
          end
          return i
        end
        local function reopen(job)
          local state = redis.call('HGET', jkey(job), 'state')
          if state == 'completed' or state == 'failed' or state == 'stopped' or state == 'waiting' then
            redis.call('HSET', jkey(job), 'state', 'running')
            redis.call('HDEL', jkey(job), 'finished_at', 'final_pass')
          end
        end
        -- Set when `finalize` parks a periodic job: the caller must then queue its next pass.
        local parkedPass = false
        -- A job ends exactly when nothing is ready or running. A periodic job records the pass and
        -- waits in `unscheduled` until the Swift side queues its next pass.
        local function finalize(job)
          flush_batch()
          local jk = jkey(job)
          local f = redis.call('HMGET', jk, 'state', 'pending', 'schedule', 'pass', 'created_at', 'blocked', 'pass_tasks', 'started_at')
          local state = f[1]
          if not state or tonumber(f[2]) > 0 then return end
          if state ~= 'queued' and state ~= 'running' and state ~= 'stopping' then return end
          if state ~= 'stopping' then
            -- The pass's own work is done: its final tasks (queued by the Swift side, which holds
            -- them as JSON) run first, and the pass ends after them.
            local final = redis.call('HMGET', jk, 'final_tasks', 'final_pass')
            if final[1] and final[2] ~= f[4] then
              redis.call('HSET', jk, 'final_pass', f[4])
              redis.call('SADD', B .. 'finalizing', job)
              parkedPass = true
              return
            end
          end
          -- Claims belong to one pass: the next pass walks everything afresh.
          redis.call('DEL', B .. 'fc:' .. job)
          local ck = B .. 'jc:' .. job
          local c = redis.call('HMGET', ck, 'tasks.failed', 'entries.failed', 'tasks.done')
          local failed, entriesFailed, done = tonumber(c[1] or '0'), tonumber(c[2] or '0'), tonumber(c[3] or '0')
          local endState = 'completed'
          if state == 'stopping' then
            endState = 'stopped'
          elseif failed > 0 or entriesFailed > 0 or tonumber(f[6]) > 0 then
            endState = 'failed'
          end
          if not f[3] then
            redis.call('HSET', jk, 'state', endState, 'finished_at', nowText)
            return
          end
          local pass = tonumber(f[4])
          if done + failed > 0 then
            local summary = cjson.encode({ pass = pass, state = endState, started_at = f[8] or f[5], finished_at = nowText,
              counters = redis.call('HGETALL', ck) })
            redis.call('HSET', B .. 'jp:' .. job, pass, summary)
            redis.call('HSET', jk, 'last_pass', summary)
            redis.call('HDEL', B .. 'jp:' .. job, pass - 100)
          end
          if endState == 'stopped' or not f[7] then
            redis.call('HSET', jk, 'state', endState, 'finished_at', nowText)
            redis.call('HDEL', jk, 'next_run_at')
            return
          end
          -- State stays bounded however many passes run: failures of earlier passes go, and so do
          -- tasks left blocked by this pass's failures (the next pass queues them afresh).
          for _, id in ipairs(redis.call('SMEMBERS', B .. 'jt:' .. job)) do
            local t = redis.call('HMGET', tkey(id), 'state', 'pass', 'key', 'queue')
            local taskPass = tonumber(t[2])
            if (t[1] == 'f' and taskPass < pass) or (t[1] == 'b' and taskPass <= pass) then
              if t[1] == 'f' then
                remove_failed(id, job, t[4])
                qadd(job, t[4], 'f', -1)
              else
                jobadd(job, 'blocked', -1)
                qadd(job, t[4], 'b', -1)
              end
              unlink_deps(id, job)
              forget(id, job, t[3])
            end
          end
          redis.call('HSET', jk, 'state', 'waiting', 'pass', pass + 1, 'pass_ended_at', nowText)
          redis.call('HDEL', jk, 'next_run_at', 'finished_at', 'started_at')
          redis.call('SADD', B .. 'unscheduled', job)
          parkedPass = true
        end
        -- Deletes everything of an ended job before it is submitted again.
        local function purge_job(job)
          redis.call('SREM', B .. 'finalizing', job)
          for _, id in ipairs(redis.call('SMEMBERS', B .. 'jt:' .. job)) do
            for _, key in ipairs(redis.call('SMEMBERS', B .. 'tdeps:' .. id)) do
              redis.call('DEL', depkey(job, key))
            end
            redis.call('ZREM', B .. 'failed', id)
            redis.call('ZREM', B .. 'delayed', id)
            redis.call('ZREM', B .. 'inflight', id)
            redis.call('DEL', tkey(id), B .. 'tdeps:' .. id)
          end
          drop_failed_sets(job)
          redis.call('DEL', jkey(job), rebuild_key(job), B .. 'jt:' .. job, B .. 'jc:' .. job, B .. 'jq:' .. job, B .. 'jp:' .. job,
            B .. 'keys:' .. job, B .. 'fc:' .. job)
          redis.call('SREM', B .. 'unscheduled', job)
        end

        """

    /// ARGV: base, now, name, kind, spec, schedule, profile, pass template, first run ('' when
    /// absent), task count, tasks.
    static let submit = RedisScript(prelude + """
        local job = ARGV[3]
        local jk = jkey(job)
        local state = redis.call('HGET', jk, 'state')
        if state then
          if state ~= 'stopped' and state ~= 'completed' and state ~= 'failed' then
            return redis.error_reply('ACTIVE job is still active')
          end
          purge_job(job)
        end
        local firstRun = ARGV[9]
        local createdAt = nowText
        local initial = 'queued'
        if firstRun ~= '' then
          createdAt = firstRun
          initial = 'waiting'
          redis.call('HSET', jk, 'next_run_at', firstRun)
        end
        redis.call('HSET', jk, 'kind', ARGV[4], 'spec', ARGV[5], 'state', initial, 'created_at', createdAt,
          'pending', 0, 'running', 0, 'blocked', 0, 'pass', 1)
        if ARGV[6] ~= '' then redis.call('HSET', jk, 'schedule', ARGV[6], 'pass_tasks', ARGV[8]) end
        if ARGV[7] ~= '' then redis.call('HSET', jk, 'profile', ARGV[7]) end
        local finalTasks = ARGV[skip_tasks(11, tonumber(ARGV[10]))]
        if finalTasks and finalTasks ~= '' then redis.call('HSET', jk, 'final_tasks', finalTasks) end
        redis.call('ZADD', B .. 'jobs', now, job)
        insert_tasks(11, tonumber(ARGV[10]), 1)
        finalize(job)
        flush_batch()
        return 'OK'
        """)

    /// ARGV: base, now, task count, tasks. Every task's job must exist and not be stopping.
    static let enqueue = RedisScript(prelude + """
        local count = tonumber(ARGV[3])
        local jobs = {}
        local i = 4
        for _ = 1, count do
          jobs[ARGV[i]] = true
          i = skip_tasks(i, 1)
        end
        for job in pairs(jobs) do
          local state = redis.call('HGET', jkey(job), 'state')
          if not state then return redis.error_reply('NOJOB ' .. job) end
          if state == 'stopping' then return redis.error_reply('STOPPING ' .. job) end
        end
        insert_tasks(4, count, nil)
        for job in pairs(jobs) do
          reopen(job)
          finalize(job)
        end
        flush_batch()
        return 'OK'
        """)

    /// ARGV: base, now, lease deadline, worker, limit, queues... Returns one array per claimed task.
    static let claim = RedisScript(prelude + """
        local deadlineText, worker, limit = ARGV[3], ARGV[4], tonumber(ARGV[5])
        local due = redis.call('ZRANGEBYSCORE', B .. 'delayed', '-inf', nowText, 'LIMIT', 0, 1000)
        for _, id in ipairs(due) do
          redis.call('ZREM', B .. 'delayed', id)
          local queue = redis.call('HGET', tkey(id), 'queue')
          if queue then
            redis.call('HSET', tkey(id), 'state', 'r')
            redis.call('RPUSH', B .. 'ready:' .. queue, id)
          end
        end
        local out = {}
        local profiles = {}
        -- Score/id pairs for one ZADD of the whole batch.
        local leased = {}
        for qi = 6, #ARGV do
          local queue = ARGV[qi]
          local rk = B .. 'ready:' .. queue
          while #out < limit do
            local ids = redis.call('LPOP', rk, limit - #out)
            if not ids then break end
            for _, id in ipairs(ids) do
              local tk = tkey(id)
              local t = redis.call('HMGET', tk, 'state', 'job', 'kind', 'key', 'payload', 'max_retries', 'delay',
                'timeout', 'entries', 'fence', 'attempts')
              if t[1] == 'r' then
                local fence = tonumber(t[10]) + 1
                local attempts = tonumber(t[11]) + 1
                redis.call('HSET', tk, 'state', 'u', 'worker', worker, 'fence', fence, 'attempts', attempts)
                leased[#leased + 1] = deadlineText
                leased[#leased + 1] = id
                local job = t[2]
                add_delta('j', job, 'running', 1)
                add_delta('q', job, 'r:' .. queue, -1)
                add_delta('q', job, 'u:' .. queue, 1)
                if profiles[job] == nil then
                  local j = redis.call('HMGET', jkey(job), 'state', 'profile')
                  if j[1] == 'queued' then
                    redis.call('HSET', jkey(job), 'state', 'running')
                  elseif j[1] == 'waiting' then
                    redis.call('HSET', jkey(job), 'state', 'running', 'created_at', nowText, 'started_at', nowText)
                    redis.call('HDEL', jkey(job), 'next_run_at')
                  end
                  -- The first claim of the job (or of this pass) is its start.
                  redis.call('HSETNX', jkey(job), 'started_at', nowText)
                  profiles[job] = j[2] or ''
                end
                out[#out + 1] = { tonumber(id), fence, job, queue, t[3], t[4], t[5], attempts, t[6], t[7], t[8], t[9],
                  profiles[job] }
              end
            end
          end
        end
        call_chunked('ZADD', B .. 'inflight', leased)
        flush_batch()
        return out
        """)

    /// ARGV: base, now, lease deadline, then id/fence pairs. Returns `R` renewed, `L` lost or
    /// `S` job stopping, per pair.
    static let renew = RedisScript(prelude + """
        local out = {}
        for i = 4, #ARGV, 2 do
          local id, fence = ARGV[i], ARGV[i + 1]
          local t = redis.call('HMGET', tkey(id), 'state', 'fence', 'job')
          if t[1] == 'u' and t[2] == fence then
            redis.call('ZADD', B .. 'inflight', ARGV[3], id)
            local state = redis.call('HGET', jkey(t[3]), 'state')
            if state == 'stopping' or state == 'stopped' then out[#out + 1] = 'S' else out[#out + 1] = 'R' end
          else
            out[#out + 1] = 'L'
          end
        end
        return out
        """)

    /// ARGV: base, now, completion count, then per completion: id, fence, outcome (`s` succeeded,
    /// `r` failed and retryable, `p` failed for good), error, counter count, name/value pairs,
    /// spawned count, spawned tasks. Returns the ids whose completion was applied, then 1 when a
    /// periodic pass ended and its next pass must be queued, else 0.
    static let finish = RedisScript(prelude + """
        local applied = {}
        local touched = {}
        local jobs = {}
        local seen = {}
        local i = 4
        for _ = 1, tonumber(ARGV[3]) do
          local id, fence, outcome, err = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
          local counterCount = tonumber(ARGV[i + 4])
          local countersAt = i + 5
          i = countersAt + 2 * counterCount
          local spawnedCount = tonumber(ARGV[i])
          local spawnedAt = i + 1
          i = skip_tasks(spawnedAt, spawnedCount)
          local tk = tkey(id)
          local t = redis.call('HMGET', tk, 'state', 'fence', 'job', 'queue', 'key', 'retries', 'max_retries', 'delay',
            'entries')
          -- The same completion twice in one call counts once (its forgetting is deferred, so the
          -- task would still look running).
          if t[1] == 'u' and t[2] == fence and not seen[id] then
            seen[id] = true
            applied[#applied + 1] = tonumber(id)
            local job, queue, key = t[3], t[4], t[5]
            touched[job] = true
            -- No step of this loop changes a job's state or pass: read them once per job.
            local j = jobs[job]
            if not j then
              j = redis.call('HMGET', jkey(job), 'state', 'pass', 'blocked')
              jobs[job] = j
            end
            local active = j[1] == 'queued' or j[1] == 'running'
            leftInflight[#leftInflight + 1] = id
            add_delta('j', job, 'running', -1)
            add_delta('q', job, 'u:' .. queue, -1)
            if outcome == 's' then
              forget(id, job, key)
              add_delta('j', job, 'pending', -1)
              add_delta('c', job, 'tasks.done', 1)
              for c = 0, counterCount - 1 do
                add_delta('c', job, ARGV[countersAt + 2 * c], tonumber(ARGV[countersAt + 2 * c + 1]))
              end
              -- Every waiting task counts in `blocked` (in every version of these scripts): a job
              -- without one has nobody to release.
              if tonumber(j[3] or '1') > 0 or depsAdded[job] then release_dependents(job, key) end
              if active then insert_tasks(spawnedAt, spawnedCount, j[2]) end
            elseif active and outcome == 'r' and tonumber(t[6]) < tonumber(t[7]) then
              redis.call('HINCRBY', tk, 'retries', 1)
              redis.call('HSET', tk, 'error', err)
              redis.call('HDEL', tk, 'worker')
              push_ready(id, queue, now + tonumber(t[8]))
              qadd(job, queue, 'r', 1)
              counter(job, 'tasks.retried', 1)
            elseif active then
              redis.call('HSET', tk, 'state', 'f', 'error', err, 'failed_at', nowText)
              redis.call('HDEL', tk, 'worker')
              add_failed(id, job, queue)
              jobadd(job, 'pending', -1)
              qadd(job, queue, 'f', 1)
              counter(job, 'tasks.failed', 1)
              counter(job, 'entries.failed', tonumber(t[9]))
            else
              forget(id, job, key)
              jobadd(job, 'pending', -1)
              counter(job, 'tasks.cancelled', 1)
            end
          end
        end
        flush_batch()
        for job in pairs(touched) do finalize(job) end
        flush_batch()
        return { applied, parkedPass and 1 or 0 }
        """)

    /// ARGV: base, now, most lost deliveries. Re-delivers or ends tasks whose lease expired.
    static let reap = RedisScript(prelude + """
        local maximumLost = tonumber(ARGV[3])
        local expired = redis.call('ZRANGEBYSCORE', B .. 'inflight', '-inf', '(' .. nowText, 'LIMIT', 0, 1000)
        local touched = {}
        for _, id in ipairs(expired) do
          redis.call('ZREM', B .. 'inflight', id)
          local tk = tkey(id)
          local t = redis.call('HMGET', tk, 'state', 'job', 'queue', 'key', 'attempts', 'retries', 'entries')
          if t[1] == 'u' then
            local job, queue = t[2], t[3]
            touched[job] = true
            local state = redis.call('HGET', jkey(job), 'state')
            local lost = tonumber(t[5]) - tonumber(t[6])
            jobadd(job, 'running', -1)
            qadd(job, queue, 'u', -1)
            if state ~= 'queued' and state ~= 'running' then
              forget(id, job, t[4])
              jobadd(job, 'pending', -1)
              counter(job, 'tasks.cancelled', 1)
            elseif lost >= maximumLost then
              local err = 'its worker stopped responding ' .. lost .. ' times (killed, crashed or out of memory); '
                .. 'the task itself may be the cause'
              redis.call('HSET', tk, 'state', 'f', 'error', err, 'failed_at', nowText)
              redis.call('HDEL', tk, 'worker')
              add_failed(id, job, queue)
              jobadd(job, 'pending', -1)
              qadd(job, queue, 'f', 1)
              counter(job, 'tasks.failed', 1)
              counter(job, 'entries.failed', tonumber(t[7]))
            else
              redis.call('HSET', tk, 'state', 'r')
              redis.call('HDEL', tk, 'worker')
              redis.call('LPUSH', B .. 'ready:' .. queue, id)
              qadd(job, queue, 'r', 1)
              counter(job, 'tasks.retried', 1)
            end
          end
        end
        for job in pairs(touched) do finalize(job) end
        flush_batch()
        return #expired
        """)

    /// ARGV: base, now, job. Cancels the job's ready, delayed and blocked tasks.
    static let stop = RedisScript(prelude + """
        local job = ARGV[3]
        local state = redis.call('HGET', jkey(job), 'state')
        if not state then return redis.error_reply('NOJOB ' .. job) end
        if state == 'stopped' or state == 'completed' or state == 'failed' then return 'OK' end
        local cancelledReady, cancelledBlocked = 0, 0
        for _, id in ipairs(redis.call('SMEMBERS', B .. 'jt:' .. job)) do
          local t = redis.call('HMGET', tkey(id), 'state', 'queue', 'key')
          if t[1] == 'r' or t[1] == 'd' then
            redis.call('ZREM', B .. 'delayed', id)
            forget(id, job, t[3])
            qadd(job, t[2], 'r', -1)
            cancelledReady = cancelledReady + 1
          elseif t[1] == 'b' then
            unlink_deps(id, job)
            forget(id, job, t[3])
            qadd(job, t[2], 'b', -1)
            cancelledBlocked = cancelledBlocked + 1
          end
        end
        counter(job, 'tasks.cancelled', cancelledReady + cancelledBlocked)
        jobadd(job, 'pending', -cancelledReady)
        jobadd(job, 'blocked', -cancelledBlocked)
        -- Without its pass template a stopped periodic job never schedules another pass.
        redis.call('HSET', jkey(job), 'state', 'stopping')
        redis.call('HDEL', jkey(job), 'pass_tasks')
        redis.call('SREM', B .. 'unscheduled', job)
        finalize(job)
        flush_batch()
        return 'OK'
        """)

    /// ARGV: base, now, job ('' for any), queue ('' for any). Returns how many were requeued.
    static let requeue = RedisScript(prelude + """
        local wantJob, wantQueue = ARGV[3], ARGV[4]
        local count = 0
        for _, id in ipairs(redis.call('ZRANGE', B .. 'failed', 0, -1)) do
          local tk = tkey(id)
          local t = redis.call('HMGET', tk, 'job', 'queue', 'entries', 'pass', 'state')
          if t[5] == 'f' and (wantJob == '' or t[1] == wantJob) and (wantQueue == '' or t[2] == wantQueue) then
            local job, queue = t[1], t[2]
            local jobPass = redis.call('HGET', jkey(job), 'pass')
            if jobPass then
              remove_failed(id, job, queue)
              redis.call('HSET', tk, 'retries', 0, 'pass', jobPass)
              redis.call('HDEL', tk, 'error', 'failed_at')
              push_ready(id, queue, 0)
              -- A failure of an earlier pass is not in this pass's counters; it simply joins this pass.
              if t[4] == jobPass then
                counter(job, 'tasks.failed', -1)
                counter(job, 'entries.failed', -tonumber(t[3]))
              end
              counter(job, 'tasks.retried', 1)
              jobadd(job, 'pending', 1)
              qadd(job, queue, 'f', -1)
              qadd(job, queue, 'r', 1)
              reopen(job)
              count = count + 1
            end
          end
        end
        flush_batch()
        return count
        """)

    /// ARGV: base, now, job, the pass it must be in, next run, task count, tasks. Queues a periodic
    /// job's next pass once; returns 0 when another caller already did.
    static let schedulePass = RedisScript(prelude + """
        local job = ARGV[3]
        if redis.call('SISMEMBER', B .. 'unscheduled', job) == 0 then return 0 end
        if redis.call('HGET', jkey(job), 'pass') ~= ARGV[4] then return 0 end
        redis.call('SREM', B .. 'unscheduled', job)
        redis.call('DEL', B .. 'jc:' .. job)
        redis.call('HSET', jkey(job), 'next_run_at', ARGV[5], 'created_at', ARGV[5])
        insert_tasks(7, tonumber(ARGV[6]), tonumber(ARGV[4]))
        flush_batch()
        return 1
        """)

    /// ARGV: base, now, job, the pass it must be in, task count, tasks. Queues the final tasks of a
    /// job's pass once; returns 0 when another caller already did or the job was stopped meanwhile.
    static let queueFinalTasks = RedisScript(prelude + """
        local job = ARGV[3]
        if redis.call('SISMEMBER', B .. 'finalizing', job) == 0 then return 0 end
        redis.call('SREM', B .. 'finalizing', job)
        local f = redis.call('HMGET', jkey(job), 'pass', 'state', 'final_pass')
        if f[1] ~= ARGV[4] or f[3] ~= ARGV[4] or (f[2] ~= 'queued' and f[2] ~= 'running') then
          finalize(job)
          return 0
        end
        insert_tasks(6, tonumber(ARGV[5]), tonumber(ARGV[4]))
        -- Final tasks recorded as failed at once leave nothing pending: the pass ends now.
        finalize(job)
        flush_batch()
        return parkedPass and 2 or 1
        """)

    /// ARGV: base, now, job. Removes an ended job and everything it left.
    static let forget = RedisScript(prelude + """
        local job = ARGV[3]
        local state = redis.call('HGET', jkey(job), 'state')
        if not state then return redis.error_reply('NOJOB ' .. job) end
        if state ~= 'stopped' and state ~= 'completed' and state ~= 'failed' then
          return redis.error_reply('ACTIVE job is still active')
        end
        purge_job(job)
        -- Shared values outlive a new submission (`purge_job`) but not the job itself.
        for _, key in ipairs(redis.call('SMEMBERS', B .. 'shared-keys:' .. job)) do
          redis.call('DEL', B .. 'shared:' .. #job .. ':' .. job .. ':' .. key)
        end
        redis.call('DEL', B .. 'shared-keys:' .. job)
        redis.call('ZREM', B .. 'jobs', job)
        return 1
        """)

    /// ARGV: base, now, worker id, record, expiry. Writes the record and drops expired ones.
    static let heartbeat = RedisScript("""
        local B = ARGV[1]
        local now = tonumber(ARGV[2])
        for _, id in ipairs(redis.call('ZRANGEBYSCORE', B .. 'workers:expiry', '-inf', '(' .. ARGV[2])) do
          redis.call('HDEL', B .. 'workers', id)
          redis.call('ZREM', B .. 'workers:expiry', id)
        end
        redis.call('HSET', B .. 'workers', ARGV[3], ARGV[4])
        redis.call('ZADD', B .. 'workers:expiry', ARGV[5], ARGV[3])
        return 1
        """)

    /// ARGV: base, now. Read-only: the records of live workers.
    static let liveWorkers = RedisScript("""
        local B = ARGV[1]
        local out = {}
        for _, id in ipairs(redis.call('ZRANGEBYSCORE', B .. 'workers:expiry', ARGV[2], '+inf')) do
          local record = redis.call('HGET', B .. 'workers', id)
          if record then out[#out + 1] = record end
        end
        return out
        """)

    /// ARGV: base, job, then key and owner pairs. Returns each key's owner.
    static let claimFirst = RedisScript("""
        local B = ARGV[1]
        local job = ARGV[2]
        if redis.call('EXISTS', B .. 'job:' .. job) == 0 then return redis.error_reply('NOJOB ' .. job) end
        local key = B .. 'fc:' .. job
        local out = {}
        for i = 3, #ARGV, 2 do
          redis.call('HSETNX', key, ARGV[i], ARGV[i + 1])
          out[#out + 1] = redis.call('HGET', key, ARGV[i])
        end
        return out
        """)

    /// The failed registry's keys, for the prelude and the page scripts; needs `B`. `failed` holds
    /// every failed task and `jf:` the same tasks split by job and queue: every script that adds
    /// to or removes from one does the same to the other (`add_failed`, `remove_failed`), and
    /// `purge_job` drops a job's sets with its tasks.
    static let failedRegistry = """
        local function fkey(job, queue) return B .. 'jf:' .. #job .. ':' .. job .. ':' .. queue end
        local function add_failed(id, job, queue)
          redis.call('ZADD', B .. 'failed', id, id)
          redis.call('ZADD', fkey(job, queue), id, id)
        end
        local function remove_failed(id, job, queue)
          redis.call('ZREM', B .. 'failed', id)
          redis.call('ZREM', fkey(job, queue), id)
        end
        -- Every queue that ever held a task is in `queues`, so no set of the job is left behind.
        -- UNLINK frees a large set outside the script.
        local function drop_failed_sets(job)
          for _, queue in ipairs(redis.call('SMEMBERS', B .. 'queues')) do redis.call('UNLINK', fkey(job, queue)) end
        end
        -- Adds those of `ids` (the job's tasks) that are failed to the job's sets; adding twice is harmless.
        local function index_failed(job, ids)
          local byQueue = {}
          for _, id in ipairs(ids) do
            local t = redis.call('HMGET', B .. 't:' .. id, 'state', 'queue')
            if t[1] == 'f' then
              local members = byQueue[t[2]]
              if not members then
                members = {}
                byQueue[t[2]] = members
              end
              members[#members + 1] = id
              members[#members + 1] = id
            end
          end
          -- Score and member pairs, 500 per ZADD.
          for queue, members in pairs(byQueue) do
            for s = 1, #members, 1000 do
              redis.call('ZADD', fkey(job, queue), unpack(members, s, math.min(s + 999, #members)))
            end
          end
        end
        -- The job's failures per queue as `jq:` counts them (every version keeps these), for one
        -- queue unless it is ''.
        local function failed_counts(job, queue)
          local jq = B .. 'jq:' .. job
          local counts = {}
          if queue ~= '' then
            counts[queue] = tonumber(redis.call('HGET', jq, 'f:' .. queue) or '0')
          else
            local fields = redis.call('HGETALL', jq)
            for i = 1, #fields, 2 do
              if string.sub(fields[i], 1, 2) == 'f:' then counts[string.sub(fields[i], 3)] = tonumber(fields[i + 1]) end
            end
          end
          return counts
        end
        -- Whether each counted queue's set holds as many tasks as counted: a set that does not was
        -- not kept by whoever wrote the registry.
        local function sets_match(job, counts)
          for queue, count in pairs(counts) do
            if redis.call('ZCARD', fkey(job, queue)) ~= count then return false end
          end
          return true
        end
        -- Where a rebuild of the job's sets in steps (`reindexFailed`) has got to: an SSCAN cursor
        -- of `jt:NAME`, with a time to live so a rebuild whose client died starts afresh.
        local function rebuild_key(job) return B .. 'jfx:' .. #job .. ':' .. job end

        """

    /// ARGV: base, job ('' for any), queue ('' for any), cursor ('' for none), limit, order (`o`
    /// oldest first, `n` newest first), most tasks to index here. The failed registry's page: up to
    /// `limit` tasks with ids past the cursor, one array per task. Filtered by job, it reads that
    /// job's `jf:` sets; by queue alone, each job's set of that queue (one HGET per job in
    /// `jobs`); so no page scans `failed`. A job whose sets need rebuilding (see the key table) is
    /// rebuilt here when it has at most that many tasks; else the reply is the error
    /// `REINDEX job` and the caller rebuilds it in steps (`reindexFailed`) and asks again, so no
    /// script holds the server for long.
    static let failedTasks = RedisScript("""
        local B = ARGV[1]
        local wantJob, wantQueue, after, limit = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
        local newest = ARGV[6] == 'n'
        local inline = tonumber(ARGV[7])

        """ + failedRegistry + """
        -- Rebuilds a small job's sets now; false for a job to rebuild in steps.
        local function rebuilt(job)
          local jt = B .. 'jt:' .. job
          if redis.call('EXISTS', rebuild_key(job)) == 1 or redis.call('SCARD', jt) > inline then return false end
          drop_failed_sets(job)
          index_failed(job, redis.call('SMEMBERS', jt))
          return true
        end
        -- Up to `limit` ids past the cursor from one sorted set.
        local function page(key)
          if newest then
            local from = '+inf'
            if after ~= '' then from = '(' .. after end
            return redis.call('ZREVRANGEBYSCORE', key, from, '-inf', 'LIMIT', 0, limit)
          end
          local from = '-inf'
          if after ~= '' then from = '(' .. after end
          return redis.call('ZRANGEBYSCORE', key, from, '+inf', 'LIMIT', 0, limit)
        end
        -- The sets to read as { key, job, queue } (no job and queue for `failed`), or nil and the
        -- job to rebuild in steps.
        local function sets()
          if wantJob == '' and wantQueue == '' then return { { B .. 'failed' } } end
          local jobs = { wantJob }
          if wantJob == '' then jobs = redis.call('ZRANGE', B .. 'jobs', 0, -1) end
          local out = {}
          for _, job in ipairs(jobs) do
            local counts = failed_counts(job, wantQueue)
            if not sets_match(job, counts) and not rebuilt(job) then return nil, job end
            for queue, count in pairs(counts) do
              if count > 0 then out[#out + 1] = { fkey(job, queue), job, queue } end
            end
          end
          return out
        end
        -- The page's ids with the job and queue of the set each came from, in page order.
        local function collect(from)
          local entries = {}
          for _, set in ipairs(from) do
            for _, id in ipairs(page(set[1])) do entries[#entries + 1] = { tonumber(id), set[1], set[2], set[3] } end
          end
          if #from > 1 then
            if newest then
              table.sort(entries, function(a, b) return a[1] > b[1] end)
            else
              table.sort(entries, function(a, b) return a[1] < b[1] end)
            end
          end
          return entries
        end
        -- The page's tasks, or nil and a job whose set held a task that is not its failure (taken
        -- out of the set, so the job's counts no longer match and a rebuild cannot skip it).
        local function read(entries)
          local out = {}
          for n = 1, math.min(limit, #entries) do
            local id, key, job, queue = entries[n][1], entries[n][2], entries[n][3], entries[n][4]
            local t = redis.call('HMGET', B .. 't:' .. id, 'job', 'queue', 'kind', 'key', 'error', 'attempts', 'failed_at', 'state')
            if job and not (t[8] == 'f' and t[1] == job and t[2] == queue) then
              redis.call('ZREM', key, id)
              return nil, job
            end
            if t[1] then out[#out + 1] = { id, t[1], t[2], t[3], t[4], t[5] or '', t[6], t[7] or '0' } end
          end
          return out
        end
        -- Each stale member found has its job rebuilt here, or in steps by the caller.
        local stale = wantJob
        for _ = 1, 100 do
          local from, stepwise = sets()
          if not from then return redis.error_reply('REINDEX ' .. stepwise) end
          local out
          out, stale = read(collect(from))
          if out then return out end
          if not rebuilt(stale) then break end
        end
        return redis.error_reply('REINDEX ' .. stale)
        """)

    /// ARGV: base, job, most tasks per call, `start` or `continue`. One step of rebuilding a job's
    /// `jf:` sets from `jt:NAME`: returns 1 when the sets are whole, 0 while steps remain. Every
    /// caller that found the sets wanting joins the one rebuild (its cursor is in `jfx:`), and
    /// `start` begins one only when none runs and the sets still disagree with the counts.
    static let reindexFailed = RedisScript("""
        local B = ARGV[1]
        local job, count, mode = ARGV[2], tonumber(ARGV[3]), ARGV[4]

        """ + failedRegistry + """
        local mark = rebuild_key(job)
        local cursor = redis.call('GET', mark)
        if not cursor then
          if mode ~= 'start' or sets_match(job, failed_counts(job, '')) then return 1 end
          drop_failed_sets(job)
          cursor = '0'
        end
        local scan = redis.call('SSCAN', B .. 'jt:' .. job, cursor, 'COUNT', count)
        index_failed(job, scan[2])
        if scan[1] == '0' then
          redis.call('DEL', mark)
          return 1
        end
        redis.call('SET', mark, scan[1], 'EX', 60)
        return 0
        """)
}

-- nsrun.journal: the journal-ahead protocol of a lab's objects, and names
-- already taken.  Every object a lab makes outside its own namespaces (and
-- every namespace) is recorded in the lab's journal (core/journal.h)
-- before the kernel call that makes it, and struck out if that call fails,
-- so that `nsrun destroy` can always remove what a run made.
local core = require "nsrun.core"
local util = require "nsrun.util"
local class = require "nsrun.class"
local progress = require "nsrun.progress"

local fail = util.fail
local Node = class.Node

local M = {}

-- Which lab's journal records this object ({ "ns", name }, { "link", ns,
-- ifname }, ...)?  For messages about names already taken.
local function owner(lab, ...)
  local want = table.pack(...)
  for _, name in ipairs(core.lab_names() or {}) do
    local info = core.lab_read(name)
    for _, r in ipairs(info and info.records or {}) do
      local same = true
      for i = 1, want.n do same = same and r[i] == want[i] end
      if same and (name ~= lab.name or lab.plan) then return name end
    end
  end
end

-- taken(lab, what, kind, ...) -> "what exists already (made by lab X: ...)",
-- and X, the lab that holds it (nil: not made by nsrun)
function M.taken(lab, what, ...)
  local by = owner(lab, ...)
  if by then return ("%s exists already (made by lab %s: `nsrun destroy %s`)"):format(what, by, by), by end
  return ("%s exists already (not made by nsrun)"):format(what)
end

-- A name already taken (by lab `by`, if nsrun made it): an error, or in the
-- pre-flight pass one more collision to report (the pass goes on to find
-- them all).
function M.collide(lab, msg, by)
  if lab.plan then lab.plan.collide(util.where() .. msg, by) else fail(msg) end
end

-- journaled(lab, record, fn, ...) -> fn(...) with record written ahead in
-- the journal (no record: nil), and struck out if fn fails; fn returns a
-- value or nil, message, errno.
function M.journaled(lab, record, fn, ...)
  if record then util.check(lab.journal:add(record)) end
  local v, msg, code = fn(...)
  if not v then
    if record then lab.journal:undo(record) end
    fail(msg, code)
  end
  return v
end

-- claim(lab, name, kind, fname, make) -> a new node: check name, record
-- "<kind> <nsname>" in the journal, then make(nsname) -> its namespace
-- handle; strike the record out if that fails.
function M.claim(lab, name, kind, fname, make)
  class.alive(lab)
  util.string_arg(name, 1, fname)
  local nsname = lab.prefix .. name
  local why = core.name_invalid(nsname)
  if why then fail(("node name %q: %s"):format(nsname, why)) end
  if lab.nodes[name] then fail(("node %s exists already in lab %s"):format(name, lab.name)) end
  if lab.sys.exists(nsname) then
    local msg, by = M.taken(lab, "namespace " .. nsname, "ns", nsname)
    M.collide(lab, msg .. "; choose another name or lab prefix", by)
  end
  -- across machines, each machine's journal records its own namespaces
  local here = not lab.part or lab.part.where[nsname] == lab.part.ctx.me
  local ns = M.journaled(lab, here and kind .. " " .. nsname or nil, make, nsname)
  local node = setmetatable({ lab = lab, name = name, nsname = nsname, ns = ns,
    ifaces = {}, addrs = {}, routes = {}, known = {} }, Node)
  lab.nodes[name] = node
  lab.order[#lab.order + 1] = node
  progress.build(lab)
  return node
end

-- The record of an interface in a namespace the lab does not own (the
-- host's, an attached one: deleting the namespace would not remove it),
-- else nil.
function M.link_record(node, ifname)
  if not node.owned then return ("link %s %s"):format(node.nsname, ifname) end
end

return M

-- TechEmpower's plaintext load: each connection sends DEPTH requests at
-- once (HTTP/1.1 pipelining) and reads their answers; wrk counts each.
--   wrk ... -s benches/tfb/pipeline.lua URL -- 16
init = function(args)
  local depth = tonumber(args[1]) or 1
  local requests = {}
  for i = 1, depth do
    requests[i] = wrk.format()
  end
  pipelined = table.concat(requests)
end

request = function()
  return pipelined
end

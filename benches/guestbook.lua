-- The guestbook's visitor for wrk: signs the book with the page's form, then
-- reads the page, in turn, on every connection (benches/guestbook-engines.sh).
--
-- The form needs what a browser holds after opening the page once: the
-- CSRF token's cookie and the form's token. The script fetches them with
-- curl and passes them in the environment:
--   GUESTBOOK_COOKIE  httprs_csrf=...
--   GUESTBOOK_TOKEN   the page's csrf_token
--   GUESTBOOK_ORIGIN  http://HOST:PORT, as a browser's same-site post says it
-- Every connection shares the one token, signed with the instances' shared
-- key, so either instance accepts it; a visitor who never logs in has no
-- session row to load.

local cookie = os.getenv("GUESTBOOK_COOKIE")
local token = os.getenv("GUESTBOOK_TOKEN")
local origin = os.getenv("GUESTBOOK_ORIGIN")
assert(cookie and token and origin, "set GUESTBOOK_COOKIE, GUESTBOOK_TOKEN and GUESTBOOK_ORIGIN")

local n = 0

request = function()
    n = n + 1
    if n % 2 == 1 then
        -- A distinct entry each time (per thread; names need not be unique).
        local body = "name=wrk" .. n .. "&message=Signed+under+load&csrf_token=" .. token
        return wrk.format("POST", "/", {
            ["Cookie"] = cookie,
            ["Origin"] = origin,
            ["Content-Type"] = "application/x-www-form-urlencoded",
        }, body)
    end
    return wrk.format("GET", "/", { ["Cookie"] = cookie })
end

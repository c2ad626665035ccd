//! The list of exercises, and every hint, in one place.
//!
//! [`CATALOG`] holds one entry per exercise, listed by number: to add one,
//! write its entry where its number goes (its chapter and difficulty say
//! where it shows). The runner shows them in tutorial order, by chapter and
//! then by number ([`in_tutorial_order`]), and "the next exercise to do" is
//! the first one in that order that has not passed yet.

use std::fmt;

use crate::lang::Lang;

/// How hard an exercise is, shown next to it in the progress table and in
/// its chapter's "Exercises" section (the label is the same word in both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Difficulty {
    /// A few lines on one idea of the chapter.
    Easy,
    /// Several cases to get right, or two ideas at once.
    Medium,
    /// A small design of your own: state, threads or many cases together.
    Hard,
}

impl Difficulty {
    /// The label, as the table and the tutorial print it.
    pub fn label(self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
        }
    }
}

use Difficulty::{Easy, Hard, Medium};

impl fmt::Display for Difficulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, not `write_str`, so that `{:<6}` lines the table up.
        f.pad(self.label())
    }
}

/// One exercise, as the runner knows it.
#[derive(Debug)]
pub struct Exercise {
    /// The file stem: `src/{name}.rs`, `tests/{name}.rs`, `solutions/{name}.rs`.
    pub name: &'static str,
    /// What it is about, in a few words, for the progress table.
    pub topic: &'static str,
    /// The same in Chinese, for a learner whose locale asks for it.
    pub topic_zh: &'static str,
    /// The `TUTORIAL.md` chapter that explains it.
    pub chapter: u8,
    /// How hard it is.
    pub difficulty: Difficulty,
    /// How many `todo!()` the untouched exercise file contains. While all of
    /// them are still there, the exercise counts as "not started".
    /// `cargo run -p exercises -- verify-stubs` (run by CI) checks this number.
    pub stubs: usize,
    /// Printed by `hint`: a nudge, not the answer.
    pub hint: &'static str,
    /// The same hint in Chinese; its `code` spans are the English ones, in
    /// whatever order (a test checks), so the two point at the same code.
    pub hint_zh: &'static str,
}

impl Exercise {
    /// The topic in the runner's language.
    pub fn topic(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::English => self.topic,
            Lang::Chinese => self.topic_zh,
        }
    }

    /// The hint in the runner's language.
    pub fn hint(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::English => self.hint,
            Lang::Chinese => self.hint_zh,
        }
    }

    /// The number in its name: 5 for `ex05_status_reason`.
    pub fn number(&self) -> Option<u8> {
        self.name.strip_prefix("ex")?.get(..2)?.parse().ok()
    }
}

/// Every exercise in the order of the tutorial: by chapter, then by number.
pub fn in_tutorial_order() -> Vec<&'static Exercise> {
    let mut all: Vec<&'static Exercise> = CATALOG.iter().collect();
    all.sort_by_key(|ex| (ex.chapter, ex.number()));
    all
}

/// Every exercise, by number (the runner shows them by chapter: [`in_tutorial_order`]).
pub const CATALOG: &[Exercise] = &[
    Exercise {
        name: "ex01_echo",
        topic: "echo a stream until EOF",
        topic_zh: "把字节流原样回显，直到 EOF",
        chapter: 1,
        difficulty: Easy,
        stubs: 1,
        hint: "\
`read` returns how many bytes it put in the buffer; `Ok(0)` means the peer closed
its side, and that is your loop's exit. Write back `&buf[..n]`, not the whole
buffer, and use `write_all`, because a single `write` may take only part of it.
An error of kind `io::ErrorKind::Interrupted` means \"try again\"; any other
error goes back to the caller with `?` or `return Err(err)`.
Chapter 1 of TUTORIAL.md walks through the same loop in step01's `echo.rs`.",
        hint_zh: "\
`read` 返回它放进缓冲区的字节数；`Ok(0)` 表示对端关闭了它那一侧，这就是
循环的出口。写回的是 `&buf[..n]`，不是整个缓冲区；要用 `write_all`，因为一次
`write` 可能只写出一部分。`io::ErrorKind::Interrupted` 类的错误意思是“再试一次”；
其他错误用 `?` 或 `return Err(err)` 交还给调用者。
TUTORIAL.zh-CN.md 第 1 章讲的正是 step01 的 `echo.rs` 里同一个循环。",
    },
    Exercise {
        name: "ex02_head_end",
        topic: "find the end of a request head",
        topic_zh: "找到请求头的结尾",
        chapter: 2,
        difficulty: Easy,
        stubs: 1,
        hint: "\
A line ends in `\\n`, with or without a `\\r` before it, so look for a b'\\n'
whose next bytes are b\"\\n\" or b\"\\r\\n\": `buf.iter().enumerate()` and a slice
pattern such as `match &buf[i + 1..] { [b'\\n', ..] => ..., [b'\\r', b'\\n', ..] => ... }`.
The head length runs to just after them. Then there are four cases:
found and within the limit, found but too long, not found but there is still
room (Partial: the caller reads more), not found and `buf.len() >= limit`.
Partial is an `Ok` value because waiting for more bytes is normal, not a failure.",
        hint_zh: "\
一行以 `\\n` 结尾，前面可能有也可能没有 `\\r`。所以要找这样一个 b'\\n'：它后面的
字节是 b\"\\n\" 或 b\"\\r\\n\"。可以用 `buf.iter().enumerate()` 加上切片模式，例如
`match &buf[i + 1..] { [b'\\n', ..] => ..., [b'\\r', b'\\n', ..] => ... }`。
请求头的长度一直算到它们之后。接下来有四种情况：找到了且没超过上限；找到了但
太长；没找到但还有空间（Partial：调用者再读一些）；没找到且 `buf.len() >= limit`。
Partial 是一个 `Ok` 值，因为等待更多字节是正常情况，不是失败。",
    },
    Exercise {
        name: "ex03_request_line",
        topic: "parse a request line by hand",
        topic_zh: "手写解析请求行",
        chapter: 2,
        difficulty: Medium,
        stubs: 1,
        hint: "\
`line.splitn(3, |&b| b == b' ')` gives at most three parts: method, target, and
everything else (which must be exactly b\"HTTP/1.1\" or b\"HTTP/1.0\", so a
trailing space or a second space in the target lands there and is rejected).
A missing part is `None` from the iterator; an empty one is `Some(&[])`: both
are errors for that part. Check bytes with `is_token_byte` and
`(b'!'..=b'~').contains(&b)`, then `std::str::from_utf8` cannot fail.",
        hint_zh: "\
`line.splitn(3, |&b| b == b' ')` 最多切出三段：方法、目标，以及剩下的全部（它必须
恰好是 b\"HTTP/1.1\" 或 b\"HTTP/1.0\"，所以末尾多一个空格、或目标里多一个空格，都会
落到这一段并被拒绝）。缺一段时迭代器给出 `None`；空的一段是 `Some(&[])`：两者都是
该段的错误。用 `is_token_byte` 和 `(b'!'..=b'~').contains(&b)` 检查字节，之后
`std::str::from_utf8` 就不可能失败了。",
    },
    Exercise {
        name: "ex04_headers",
        topic: "header lines, case-insensitive",
        topic_zh: "头部行，名字不区分大小写",
        chapter: 2,
        difficulty: Medium,
        stubs: 3,
        hint: "\
Number the lines with `block.split_terminator(\"\\r\\n\").enumerate()` (add 1).
Check a leading space or tab first (folding: BadName), then
`line.split_once(':')` (None: MissingColon). The name must be non-empty and all
`is_token_byte`, which also rejects `Host : x`. Trim the value with
`trim_matches(|c| c == ' ' || c == '\\t')` and reject `is_ascii_control` bytes
other than tab. For lookups, `a.eq_ignore_ascii_case(b)` compares names
without allocating; `find` gives the first match, `filter` all of them.",
        hint_zh: "\
用 `block.split_terminator(\"\\r\\n\").enumerate()` 给每行编号（再加 1）。
先检查行首的空格或制表符（折行：BadName），再 `line.split_once(':')`（None：
MissingColon）。名字不能为空，且每个字节都满足 `is_token_byte`，这样 `Host : x`
也会被拒绝。值用 `trim_matches(|c| c == ' ' || c == '\\t')` 去掉两端空白，并拒绝
除制表符以外的 `is_ascii_control` 字节。查找时，`a.eq_ignore_ascii_case(b)` 不分配
内存就能比较名字；`find` 给出第一个匹配，`filter` 给出全部。",
    },
    Exercise {
        name: "ex05_status_reason",
        topic: "status classes and reason phrases",
        topic_zh: "状态码类别与原因短语",
        chapter: 3,
        difficulty: Easy,
        stubs: 2,
        hint: "\
For the class, match on ranges: `100..=199 => Some(StatusClass::Informational)`,
and so on to 599, with `_ => None` last. For the phrase, let `?` do the invalid
codes: `let class = status_class(code)?;`. Then
`Some(match code { 200 => \"OK\", 404 => \"Not Found\", ..., _ => class.label() })`:
the `_` arm is the fallback that makes a 499 \"Client Error\".",
        hint_zh: "\
类别用区间匹配：`100..=199 => Some(StatusClass::Informational)`，依此类推到 599，
最后一条是 `_ => None`。原因短语交给 `?` 处理无效状态码：`let class = status_class(code)?;`。
然后写 `Some(match code { 200 => \"OK\", 404 => \"Not Found\", ..., _ => class.label() })`：
`_` 这一支就是兜底，让 499 得到 \"Client Error\"。",
    },
    Exercise {
        name: "ex06_serialize_response",
        topic: "a response as HTTP/1.1 bytes",
        topic_zh: "把响应写成 HTTP/1.1 字节",
        chapter: 3,
        difficulty: Medium,
        stubs: 1,
        hint: "\
Validate before you write anything: status in 100..=999, no control characters
in the reason, each header name non-empty and all token bytes, no control
characters except tab in values, no body on 1xx/204/304. Then build a Vec<u8>:
`out.extend_from_slice(format!(\"HTTP/1.1 {} {}\\r\\n\", ...).as_bytes())`, one line
per header skipping any name that `eq_ignore_ascii_case(\"content-length\")`,
your own `Content-Length: {body.len()}` (unless bodyless), `\\r\\n`, the body.",
        hint_zh: "\
先校验，再写任何东西：状态码在 100..=999 之内；原因短语里没有控制字符；每个头部
名字非空且全是 token 字节；值里除制表符外没有控制字符；1xx/204/304 不带响应体。
然后构造一个 Vec<u8>：`out.extend_from_slice(format!(\"HTTP/1.1 {} {}\\r\\n\", ...).as_bytes())`，
每个头部一行，跳过名字满足 `eq_ignore_ascii_case(\"content-length\")` 的那些，写上你自己的
`Content-Length: {body.len()}`（不带响应体时除外），再写 `\\r\\n` 和响应体。",
    },
    Exercise {
        name: "ex07_thread_pool",
        topic: "a bounded pool with back-pressure",
        topic_zh: "带背压（back-pressure）的有界线程池",
        chapter: 4,
        difficulty: Hard,
        stubs: 3,
        hint: "\
Fields: `workers: Vec<JoinHandle<()>>` and `sender: Option<mpsc::SyncSender<Job>>`,
with `type Job = Box<dyn FnOnce() + Send + 'static>`. `mpsc::sync_channel(queue_bound)`
is the whole back-pressure: its `send` waits while `queue_bound` jobs are queued.
Each worker loops on `let next = receiver.lock().unwrap().recv();` (the lock
guard dies at the `;`, so the lock is not held while the job runs), runs
`Ok(job)` inside `std::panic::catch_unwind(AssertUnwindSafe(job))`, and `break`s
on `Err`. In `drop`: `drop(self.sender.take())` first, which closes the channel,
then `join` every worker. steps/step04-threadpool/src/pool/mod.rs is the same pool.",
        hint_zh: "\
字段：`workers: Vec<JoinHandle<()>>` 和 `sender: Option<mpsc::SyncSender<Job>>`，
其中 `type Job = Box<dyn FnOnce() + Send + 'static>`。背压全靠 `mpsc::sync_channel(queue_bound)`：
队列里已有 `queue_bound` 个任务时，它的 `send` 会等待。每个工作线程循环执行
`let next = receiver.lock().unwrap().recv();`（锁的守卫在 `;` 处就被释放，所以运行任务时
不持有锁），对 `Ok(job)` 在 `std::panic::catch_unwind(AssertUnwindSafe(job))` 里运行，
遇到 `Err` 就 `break`。在 `drop` 里：先 `drop(self.sender.take())` 关闭通道，再 `join`
每个工作线程。steps/step04-threadpool/src/pool/mod.rs 就是同一个线程池。",
    },
    Exercise {
        name: "ex08_percent_decode",
        topic: "percent-decode a path segment",
        topic_zh: "对路径段做百分号解码",
        chapter: 5,
        difficulty: Easy,
        stubs: 1,
        hint: "\
Work on bytes: `let bytes = segment.as_bytes();` and an index `i` in a `while`
loop. `bytes.get(i + 1..i + 3)` is `None` near the end, so
`match bytes.get(i + 1..i + 3) { Some(&[hi, lo]) if bytes[i] == b'%' => ... }`
covers a short tail for free. Turn each hex digit into its value with a `match`
on b'0'..=b'9', b'a'..=b'f', b'A'..=b'F'; if both are digits push `hi << 4 | lo`
and skip 3, otherwise push `bytes[i]` itself and skip 1. Slicing the `&str`
instead can panic in the middle of `é`. Finish with `String::from_utf8_lossy`.",
        hint_zh: "\
按字节处理：`let bytes = segment.as_bytes();`，在 `while` 循环里用下标 `i`。
接近末尾时 `bytes.get(i + 1..i + 3)` 是 `None`，所以
`match bytes.get(i + 1..i + 3) { Some(&[hi, lo]) if bytes[i] == b'%' => ... }`
顺带处理了过短的结尾。用一个对 b'0'..=b'9'、b'a'..=b'f'、b'A'..=b'F' 的 `match` 把每个
十六进制数字变成它的值；两个都是数字就压入 `hi << 4 | lo` 并跳过 3 个字节，否则压入
`bytes[i]` 本身并跳过 1 个。如果改为切 `&str`，可能在 `é` 的中间 panic。最后用
`String::from_utf8_lossy` 收尾。",
    },
    Exercise {
        name: "ex09_route_match",
        topic: "match /hello/{name} patterns",
        topic_zh: "匹配 /hello/{name} 这样的模式",
        chapter: 5,
        difficulty: Easy,
        stubs: 1,
        hint: "\
First compare `pattern.split('/').count()` with `path.split('/').count()`.
Then `zip` the two splits. A segment is a parameter when
`seg.strip_prefix('{').and_then(|s| s.strip_suffix('}'))` gives a non-empty
name; it then needs a non-empty path segment. Any other segment must be equal.
Because `split` borrows, the pairs you push are `(&'a str, &'a str)` for free.",
        hint_zh: "\
先比较 `pattern.split('/').count()` 和 `path.split('/').count()`。
然后把两次 split 用 `zip` 配对。当 `seg.strip_prefix('{').and_then(|s| s.strip_suffix('}'))`
给出一个非空名字时，这一段就是参数，它需要一个非空的路径段；其他段必须相等。
因为 `split` 是借用，压入的 `(&'a str, &'a str)` 对不需要任何复制。",
    },
    Exercise {
        name: "ex10_frame",
        topic: "length-prefixed frames",
        topic_zh: "长度前缀帧",
        chapter: 6,
        difficulty: Medium,
        stubs: 2,
        hint: "\
Encode: refuse `payload.len() > max` first, then
`u32::try_from(payload.len())` (not `as u32`, which wraps) and
`.to_be_bytes()`, then `out.extend_from_slice` the prefix and the payload.
Decode: `buf.split_first_chunk::<4>()` is `None` while the prefix is
incomplete; `u32::from_be_bytes(*prefix) as usize` is the length. Compare it
with `max` *before* checking whether the payload has arrived, and use
`rest.get(..len)`, which is `None` (Partial) instead of a panic when short.",
        hint_zh: "\
编码：先拒绝 `payload.len() > max`，再 `u32::try_from(payload.len())`（不要用会回绕的
`as u32`）和 `.to_be_bytes()`，然后用 `out.extend_from_slice` 写入前缀和负载。
解码：前缀不完整时 `buf.split_first_chunk::<4>()` 是 `None`；`u32::from_be_bytes(*prefix) as usize`
就是长度。要在检查负载是否到齐*之前*先和 `max` 比较，并使用 `rest.get(..len)`：
数据不够时它返回 `None`（Partial），而不是 panic。",
    },
    Exercise {
        name: "ex11_connection",
        topic: "a connection on a non-blocking socket",
        topic_zh: "非阻塞套接字上的一个连接",
        chapter: 7,
        difficulty: Medium,
        stubs: 4,
        hint: "\
The reading loop and the parsing are given; read `on_readable` first. In
`take_requests`, keep an offset `start` into `read_buf` and loop on
`parse_one(&self.read_buf[start..])`: a request moves `start` on by its
`len` (and `closing` becomes `request.wants_close()`), `Ok(None)` breaks out,
an `Err` is pushed and sets `closing`. Afterwards `self.read_buf.drain(..start)`
keeps the unparsed tail (or `clear()` once closing). `on_writable` is
`on_readable`'s loop turned round: `let n = sock.write(&self.write_buf)`, then
`self.write_buf.drain(..n)`. `should_close` needs three things at once:
nothing more to read, nothing owed, nothing left to write.",
        hint_zh: "\
读循环和解析已经给出；先读 `on_readable`。在 `take_requests` 里，保存一个指向
`read_buf` 的偏移量 `start`，循环调用 `parse_one(&self.read_buf[start..])`：得到一个请求就
把 `start` 前移它的 `len`（`closing` 变为 `request.wants_close()`），`Ok(None)` 跳出循环，
`Err` 被压入并设置 `closing`。之后 `self.read_buf.drain(..start)` 保留未解析的尾部
（一旦要关闭就 `clear()`）。`on_writable` 是把 `on_readable` 的循环反过来：
`let n = sock.write(&self.write_buf)`，然后 `self.write_buf.drain(..n)`。`should_close`
需要三件事同时成立：没有更多可读的，不欠任何响应，没有剩下要写的。",
    },
    Exercise {
        name: "ex12_chunked",
        topic: "decode a chunked body",
        topic_zh: "解码分块传输编码的请求体",
        chapter: 13,
        difficulty: Medium,
        stubs: 1,
        hint: "\
Keep a `pos` into `input` and a `body: Vec<u8>`. A helper that finds the next
line from `pos` (position of b'\\n', which must follow b'\\r') makes the rest
short: no line yet means Partial. Cut the size line at b';', trim trailing
spaces and tabs, and parse the hex yourself: `(b as char).to_digit(16)` per
digit, `size.checked_mul(16)?.checked_add(digit)` to catch overflow.
Check `size > max_body - body.len()` before touching the data. Size 0: read
lines until an empty one; that is the end, and `pos` is `consumed`.",
        hint_zh: "\
保存一个指向 `input` 的 `pos` 和一个 `body: Vec<u8>`。写一个辅助函数，从 `pos` 开始
找下一行（b'\\n' 的位置，它前面必须是 b'\\r'），其余代码就短了：还没有整行就是 Partial。
在 b';' 处截断大小行，去掉末尾的空格和制表符，自己解析十六进制：每位用
`(b as char).to_digit(16)`，用 `size.checked_mul(16)?.checked_add(digit)` 捕获溢出。
碰数据之前先检查 `size > max_body - body.len()`。大小为 0 时：一直读行直到遇到空行；
那就是结尾，此时的 `pos` 就是 `consumed`。",
    },
    Exercise {
        name: "ex13_safe_path",
        topic: "a traversal-safe static file path",
        topic_zh: "防目录遍历的静态文件路径",
        chapter: 9,
        difficulty: Medium,
        stubs: 1,
        hint: "\
`url_path.strip_prefix('/')` or NotAbsolute. Then for each `split('/')`
segment: decode it with the given `decode_segment` *first* (or BadEncoding), so
that `%2e%2e` is seen as `..`. Skip \"\" and \".\". Refuse \"..\", and any segment
that `contains('\\\\')`, `contains('/')` or `contains('\\0')`. Push the rest
onto `root.to_path_buf()` one segment at a time.",
        hint_zh: "\
`url_path.strip_prefix('/')`，否则是 NotAbsolute。然后对 `split('/')` 的每一段：*先*用给出的
`decode_segment` 解码（否则是 BadEncoding），这样 `%2e%2e` 才会被看成 `..`。跳过 \"\" 和
\".\"。拒绝 \"..\"，以及任何 `contains('\\\\')`、`contains('/')` 或 `contains('\\0')` 的段。
其余的段逐个压到 `root.to_path_buf()` 上。",
    },
    Exercise {
        name: "ex14_escape_html",
        topic: "escape HTML for a template",
        topic_zh: "为模板做 HTML 转义",
        chapter: 10,
        difficulty: Easy,
        stubs: 1,
        hint: "\
`text.find(|c| matches!(c, '&' | '<' | '>' | '\"' | '\\''))` tells you whether
there is anything to do: `None` means `Cow::Borrowed(text)`. Otherwise push
`&text[..first]` into a `String`, then go char by char from `first` with a
`match` that pushes \"&amp;\", \"&lt;\", \"&gt;\", \"&quot;\" or \"&#39;\", and return
`Cow::Owned(out)`.",
        hint_zh: "\
`text.find(|c| matches!(c, '&' | '<' | '>' | '\"' | '\\''))` 告诉你有没有事要做：
`None` 就返回 `Cow::Borrowed(text)`。否则先把 `&text[..first]` 压入一个 `String`，再从
`first` 开始逐个字符处理，用一个 `match` 压入 \"&amp;\"、\"&lt;\"、\"&gt;\"、\"&quot;\" 或 \"&#39;\"，
最后返回 `Cow::Owned(out)`。",
    },
    Exercise {
        name: "ex15_middleware",
        topic: "a middleware chain",
        topic_zh: "中间件链",
        chapter: 8,
        difficulty: Medium,
        stubs: 4,
        hint: "\
`Next::run` is a `match` on `self.layers.split_first()`: `Some((layer, rest))`
calls `layer(req, Next::new(rest, self.handler))`, and `None` calls
`(self.handler)(req)`. `App::respond` takes `mut req` and runs one `Next` over
all of `self.layers`. Each layer is `Box::new(move |req: &mut Request, next:
Next<'_>| { ... })`: `add_header` changes what `next.run(req)` returned, and
`require_header` returns its 401 before ever calling `next`.",
        hint_zh: "\
`Next::run` 是对 `self.layers.split_first()` 的一个 `match`：`Some((layer, rest))` 调用
`layer(req, Next::new(rest, self.handler))`，`None` 调用 `(self.handler)(req)`。
`App::respond` 接收 `mut req`，在全部 `self.layers` 上运行一个 `Next`。每一层都是
`Box::new(move |req: &mut Request, next: Next<'_>| { ... })`：`add_header` 修改
`next.run(req)` 返回的响应，`require_header` 则在调用 `next` 之前就返回它的 401。",
    },
    Exercise {
        name: "ex16_not_modified",
        topic: "the 304 decision",
        topic_zh: "304 的判断（协商缓存）",
        chapter: 9,
        difficulty: Medium,
        stubs: 1,
        hint: "\
Start with `if let Some(tags) = if_none_match { return ...; }`: with the header
present, the date never counts. Split the list at ',' and `trim` each tag; a
small closure that strips a leading \"W/\" lets you compare both sides weakly,
and `*` matches anything. For the date, turn both times into whole seconds
with `duration_since(UNIX_EPOCH)` and `as_secs()`, then `<=`.",
        hint_zh: "\
从 `if let Some(tags) = if_none_match { return ...; }` 开始：有这个头部时，日期一律不算。
在 ',' 处切开列表并对每个标签 `trim`；写一个去掉开头 \"W/\" 的小闭包，就能对两边做弱比较，
`*` 匹配任何值。日期方面，用 `duration_since(UNIX_EPOCH)` 和 `as_secs()` 把两个时间都变成
整秒，再用 `<=` 比较。",
    },
    Exercise {
        name: "ex17_template_lexer",
        topic: "cut a template into tokens",
        topic_zh: "把模板切成词法单元",
        chapter: 10,
        difficulty: Medium,
        stubs: 1,
        hint: "\
Loop: find the first opener in `rest`. For each byte offset `i`, check whether
`rest[i..]` starts with \"{{\", \"{%\" or \"{#\" (a small table of (opener,
closer) pairs helps); the first `i` that matches wins, whatever its kind. No
opener: the rest is one Text (if not empty), and you are done. Otherwise push
`&rest[..i]` as Text (if not empty) and add its newlines to `line`. Look for the
*matching* closer in what follows the opener with `find`: `None` is Unclosed at
`line`. Trim what is between, push Expr or Tag (nothing for `{#`), count the
newlines inside, and go on after the closer.",
        hint_zh: "\
循环：在 `rest` 里找第一个开始标记。对每个字节偏移 `i`，检查 `rest[i..]` 是否以
\"{{\"、\"{%\" 或 \"{#\" 开头（一张 (开始, 结束) 对照的小表会有帮助）；第一个匹配的 `i` 胜出，
不管它是哪种。没有开始标记：剩下的整体是一个 Text（非空时），然后结束。否则把
`&rest[..i]` 作为 Text 压入（非空时），并把其中的换行数加到 `line` 上。用 `find` 在开始
标记后面找*对应的*结束标记：`None` 就是位于 `line` 的 Unclosed。修剪两者之间的内容，压入
Expr 或 Tag（`{#` 什么都不压），数一数里面的换行，然后从结束标记之后继续。",
    },
    Exercise {
        name: "ex18_model",
        topic: "a row to a struct, and back",
        topic_zh: "从行到结构体，再回到行",
        chapter: 11,
        difficulty: Easy,
        stubs: 3,
        hint: "\
For the SQL, map each column to `format!(\"\\\"{c}\\\"\")`, and the numbers
`1..=M::COLUMNS.len()` to `format!(\"?{i}\")`; `join(\", \")` both and put them in
`INSERT INTO \"TABLE\" (...) VALUES (...)`. `from_row` is a struct literal whose
fields are each `row.get(\"name\")?`: the field's type tells `get` what to
convert to, and `Option<String>` reads a NULL as None. `to_params` is a `vec!`
of references to the fields, in the order of COLUMNS.",
        hint_zh: "\
SQL 部分：把每一列映射成 `format!(\"\\\"{c}\\\"\")`，把数字 `1..=M::COLUMNS.len()`
映射成 `format!(\"?{i}\")`；两者都用 `join(\", \")` 连起来，放进
`INSERT INTO \"TABLE\" (...) VALUES (...)`。`from_row` 是一个结构体字面量，每个字段都是
`row.get(\"name\")?`：字段的类型告诉 `get` 要转换成什么，`Option<String>` 会把 NULL
读成 None。`to_params` 是一个按 COLUMNS 顺序引用各字段的 `vec!`。",
    },
    Exercise {
        name: "ex19_signed_cookie",
        topic: "a signed cookie, in constant time",
        topic_zh: "签名 Cookie，常数时间比较",
        chapter: 12,
        difficulty: Medium,
        stubs: 2,
        hint: "\
Different lengths may return false at once. Otherwise never return from inside
the loop: `a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y))` is 0 only
if every pair was equal, and it looks at every pair whatever it finds. For
`verify`, `cookie.rsplit_once('.')?` gives the value and the hex tag, `?` on
`unhex(tag)` refuses what is not hex, and `.then_some(value)` turns your
bool into the answer.",
        hint_zh: "\
长度不同可以立即返回 false。否则绝不要在循环中途返回：
`a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y))` 只有在每一对都相等时才是 0，
而且不论发现什么，它都会看完每一对。`verify` 中，`cookie.rsplit_once('.')?` 给出值和
十六进制标签，对 `unhex(tag)` 用 `?` 拒绝不是十六进制的内容，再用 `.then_some(value)`
把你的 bool 变成答案。",
    },
    Exercise {
        name: "ex20_csrf",
        topic: "the CSRF decision",
        topic_zh: "跨站请求伪造（CSRF）的判断",
        chapter: 12,
        difficulty: Medium,
        stubs: 3,
        hint: "\
`is_unsafe` is a `matches!` on the four safe names, negated. `same_origin`:
`origin.strip_prefix(\"http://\").or_else(|| origin.strip_prefix(\"https://\"))`
then `eq_ignore_ascii_case` with the host; match on the pair of Options. In
`decide`, return early in the story's order; `let (Some(sent), Some(expected))
= (..) else { return Err(MissingToken) };` covers both missing tokens, and the
comparison is exercise 19's fold.",
        hint_zh: "\
`is_unsafe` 是对四个安全方法名的 `matches!` 取反。`same_origin`：
`origin.strip_prefix(\"http://\").or_else(|| origin.strip_prefix(\"https://\"))`，再和 host 做
`eq_ignore_ascii_case`；对这一对 Option 做 match。在 `decide` 里按练习说明的顺序提前返回；
`let (Some(sent), Some(expected)) = (..) else { return Err(MissingToken) };` 一次处理两种
缺令牌的情况，比较就用练习 19 的 fold。",
    },
    Exercise {
        name: "ex21_forwarded_for",
        topic: "the client's address behind proxies",
        topic_zh: "代理之后客户端的真实地址",
        chapter: 14,
        difficulty: Medium,
        stubs: 1,
        hint: "\
The first line is `if !trusted.contains(&peer) { return peer; }`. Then gather
every entry: `forwarded_for.iter().flat_map(|f| f.split(','))`, collected into a
Vec so that you can walk it with `.iter().rev()`. Keep a `last_trusted`
variable that starts as `peer`. For each entry, `trim_matches([' ', '\\t'])` and
`parse::<IpAddr>()`: a trusted address updates `last_trusted`, an untrusted
one is the answer, a parse error ends the walk with `last_trusted`. After the
loop, `last_trusted` is the answer too.",
        hint_zh: "\
第一行是 `if !trusted.contains(&peer) { return peer; }`。然后收集所有条目：
`forwarded_for.iter().flat_map(|f| f.split(','))`，收集到一个 Vec 里，以便用 `.iter().rev()`
倒着走。准备一个从 `peer` 开始的变量 `last_trusted`。对每个条目做
`trim_matches([' ', '\\t'])` 和 `parse::<IpAddr>()`：受信任的地址更新 `last_trusted`，不受
信任的就是答案，解析失败则以 `last_trusted` 结束遍历。循环结束后，`last_trusted` 也是答案。",
    },
    Exercise {
        name: "ex22_websocket_frame",
        topic: "read one WebSocket frame",
        topic_zh: "读取一个 WebSocket 帧",
        chapter: 15,
        difficulty: Medium,
        stubs: 2,
        hint: "\
`let [first, second, rest @ ..] = buf else { return Ok(Parsed::Partial) };`
gives the two fixed bytes. `first & 0x70` is the RSV bits, `second & 0x80` the
mask bit, `first & 0x0F` the opcode. Match `second & 0x7F`: 126 and 127 say
\"read 2 (or 8) more bytes\": `rest.split_first_chunk::<2>()` is `None`
(Partial) while they have not arrived, and `u16::from_be_bytes` reads them.
Keep the length a `u64` and compare it with `max as u64` before the payload.
Then `split_first_chunk::<4>()` for the key, `rest.get(..len)` for the payload
(None: Partial), and `consumed` is the header's bytes plus `len`.",
        hint_zh: "\
`let [first, second, rest @ ..] = buf else { return Ok(Parsed::Partial) };`
取出两个固定字节。`first & 0x70` 是 RSV 位，`second & 0x80` 是掩码位，
`first & 0x0F` 是操作码。对 `second & 0x7F` 做 match：126 和 127 表示
“再读 2（或 8）个字节”：这些字节还没到齐时 `rest.split_first_chunk::<2>()` 是
`None`（Partial），到齐后用 `u16::from_be_bytes` 读出它们。长度保持为 `u64`，
在读负载之前先和 `max as u64` 比较。然后用 `split_first_chunk::<4>()` 取掩码键，
用 `rest.get(..len)` 取负载（None 即 Partial），`consumed` 就是头部的字节数加上 `len`。",
    },
];

/// Looks an exercise up by its full name or by its number prefix (`ex05`).
pub fn find(name: &str) -> Option<&'static Exercise> {
    CATALOG
        .iter()
        .find(|ex| ex.name == name || ex.name.split('_').next() == Some(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn names_are_numbered_uniquely_and_listed_by_number() {
        let numbers: Vec<u8> = CATALOG
            .iter()
            .map(|ex| {
                let n = ex
                    .number()
                    .unwrap_or_else(|| panic!("{}: no exNN_ prefix", ex.name));
                assert!(
                    ex.name.starts_with(&format!("ex{n:02}_")),
                    "{} should start with ex{n:02}_",
                    ex.name
                );
                n
            })
            .collect();
        assert!(
            numbers.windows(2).all(|w| w[0] < w[1]),
            "list each exercise where its number goes: {numbers:?}"
        );
    }

    #[test]
    fn the_tutorial_order_is_by_chapter_then_number_and_holds_every_exercise() {
        let order = in_tutorial_order();
        assert_eq!(order.len(), CATALOG.len());
        for pair in order.windows(2) {
            assert!(
                (pair[0].chapter, pair[0].number()) < (pair[1].chapter, pair[1].number()),
                "{} / {}",
                pair[0].name,
                pair[1].name
            );
        }
        // ex13 belongs to chapter 9 and ex12 to chapter 13: chapter order wins.
        let position = |name: &str| order.iter().position(|ex| ex.name == name);
        assert!(position("ex13_safe_path") < position("ex12_chunked"));
    }

    /// The text of each chapter's "### Exercises" section, by chapter number.
    fn exercises_sections(tutorial: &str) -> Vec<(u8, String)> {
        let mut sections = Vec::new();
        for chapter in tutorial.split("\n## Chapter ").skip(1) {
            let Some(number) = chapter.split(':').next().and_then(|n| n.parse().ok()) else {
                continue;
            };
            let section = chapter
                .split("\n### Exercises")
                .nth(1)
                .map(|rest| rest.split("\n## ").next().unwrap_or(rest).to_string())
                .unwrap_or_default();
            sections.push((number, section));
        }
        sections
    }

    #[test]
    fn each_chapter_names_its_exercises_with_the_catalogs_difficulty() {
        let tutorial =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../TUTORIAL.md"))
                .expect("read TUTORIAL.md");
        let sections = exercises_sections(&tutorial);
        assert!(sections.len() >= 7, "found {} chapters", sections.len());
        for ex in CATALOG {
            // A chapter still being written (on another branch) is skipped.
            let Some((_, section)) = sections.iter().find(|(n, _)| *n == ex.chapter) else {
                continue;
            };
            let labelled = format!("`{}` ({})", ex.name, ex.difficulty);
            assert!(
                section.contains(&labelled),
                "chapter {}'s \"Exercises\" should name {labelled}:\n{section}",
                ex.chapter
            );
        }
    }

    #[test]
    fn difficulty_labels_are_the_words_the_tutorial_prints() {
        assert_eq!(
            [Easy, Medium, Hard].map(Difficulty::label),
            ["easy", "medium", "hard"]
        );
        assert_eq!(format!("[{:<6}]", Easy), "[easy  ]");
    }

    #[test]
    fn every_exercise_has_a_stub_a_solution_and_a_test_file() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        for ex in CATALOG {
            for folder in ["src", "solutions", "tests"] {
                let file = dir.join(folder).join(format!("{}.rs", ex.name));
                assert!(file.is_file(), "missing {}", file.display());
            }
            assert!(
                ex.stubs > 0 && !ex.hint.is_empty() && !ex.topic.is_empty(),
                "{}",
                ex.name
            );
            assert!(
                !ex.hint_zh.is_empty() && !ex.topic_zh.is_empty(),
                "{}",
                ex.name
            );
        }
    }

    #[test]
    fn solutions_have_no_todo_left() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        for ex in CATALOG {
            let file = dir.join("solutions").join(format!("{}.rs", ex.name));
            let source = std::fs::read_to_string(&file).expect("readable solution");
            assert_eq!(crate::stubs::count_todos(&source), 0, "{}", file.display());
        }
    }

    #[test]
    fn names_and_number_prefixes_are_found() {
        assert_eq!(
            find("ex05_status_reason").map(|e| e.name),
            Some("ex05_status_reason")
        );
        assert_eq!(find("ex05").map(|e| e.name), Some("ex05_status_reason"));
        assert!(find("ex5").is_none());
        assert!(find("status").is_none());
        assert!(find("").is_none());
    }

    /// The `code` spans of a text, sorted: Chinese word order may put them
    /// in another order than the English sentence, but never other ones.
    /// A span that wraps at the end of a line counts as one with a space.
    fn code_spans(text: &str) -> Vec<String> {
        let mut spans: Vec<String> = text
            .split('`')
            .skip(1)
            .step_by(2)
            .map(|span| span.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        spans.sort_unstable();
        spans
    }

    #[test]
    fn each_chinese_hint_points_at_the_same_code_as_the_english_one() {
        for ex in CATALOG {
            assert_eq!(
                code_spans(ex.hint_zh),
                code_spans(ex.hint),
                "{}: the Chinese hint's `code` differs from the English one's",
                ex.name
            );
        }
    }

    #[test]
    fn every_exercise_file_tells_its_story_in_chinese_too() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        for ex in CATALOG {
            let file = dir.join("src").join(format!("{}.rs", ex.name));
            let source = std::fs::read_to_string(&file).expect("readable exercise");
            let story: Vec<&str> = source
                .lines()
                .take_while(|l| l.starts_with("//!"))
                .collect();
            assert!(
                story.contains(&"//! ## 中文说明"),
                "{}: the module docs need a `## 中文说明` section (the story in Chinese)",
                file.display()
            );
        }
    }
}

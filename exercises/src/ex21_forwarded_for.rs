//! # Exercise 21: which address is the client?
//!
//! Chapter 14 of `TUTORIAL.md` puts nginx (or `httprs-front`) in front of
//! the app. From then on every connection comes from the proxy, so the
//! peer address is the proxy's, and a per-client limit such as the
//! guestbook's `LoginLimit` would count every visitor together. The proxy
//! says who it was talking to by appending that address to the
//! `X-Forwarded-For` field:
//!
//! ```text
//! X-Forwarded-For: 6.6.6.6, 203.0.113.7
//! ```
//!
//! But a client may send the field too, with any addresses it likes: here
//! `6.6.6.6` may be a lie the client wrote, and only `203.0.113.7`, which
//! our nginx appended, can be believed. The rule: start from the peer and
//! walk the list **from the right**, skipping the proxies you run; the first
//! address that is not one of yours is the client. Nothing to its left is
//! worth anything, because that hop wrote it.
//!
//! Build [`client_address`] from:
//! - `peer`: the address of the TCP connection;
//! - `forwarded_for`: every `X-Forwarded-For` field of the request, in the
//!   order they came; each is a comma-separated list, and several fields
//!   make one list, the first field's entries leftmost;
//! - `trusted`: the addresses of the proxies you run.
//!
//! The rules, which the tests check one by one:
//! - a `peer` that is not trusted is the client, whatever the field says
//!   (anyone can send the field straight to the app);
//! - otherwise walk the entries from the right, each trimmed of spaces and
//!   tabs: a trusted address is skipped, the first one that is not trusted
//!   is the answer;
//! - an entry that is not a plain IP address (garbage, an empty entry, an
//!   address with a port) ends the walk: the answer is then the last
//!   trusted address seen, the nearest proxy that passed the garbage on;
//! - when every entry is trusted (or there is none), the answer is the
//!   leftmost trusted address seen, `peer` itself with no field at all.
//!
//! Check it with `cargo run -p exercises -- check ex21_forwarded_for`.
//!
//! ## 中文说明
//!
//! ### 练习 21：哪个地址才是客户端？
//!
//! `TUTORIAL.zh-CN.md` 第 14 章在应用服务器前面放上 nginx（或 `httprs-front`），
//! 作为前置服务器（接入层，front）。从此每个连接都来自这个反向代理（reverse proxy），
//! 所以对端地址是代理的地址，而按客户端计数的限制（比如留言板的 `LoginLimit`）
//! 会把所有访客算在一起。代理会把与它通信的那个地址追加到 `X-Forwarded-For` 字段末尾，
//! 以此说明它在和谁通信（见上面的示意）。
//!
//! 但客户端也可以自己发送这个字段，写上任何它喜欢的地址：这里的 `6.6.6.6`
//! 可能是客户端编造的，只有由我们的 nginx 追加的 `203.0.113.7` 才可信。
//! 规则是：从对端开始，**从右往左**遍历这个列表，跳过你自己运行的代理；
//! 第一个不属于你的地址就是客户端。它左边的一切都毫无价值，因为那是这一跳自己写的。
//!
//! 用以下参数实现 [`client_address`]：
//! - `peer`：TCP 连接的对端地址；
//! - `forwarded_for`：请求中的每个 `X-Forwarded-For` 字段，按到达顺序排列；
//!   每个字段都是一个逗号分隔的列表，多个字段合成一个列表，第一个字段的条目在最左边；
//! - `trusted`：你运行的那些代理的地址。
//!
//! 规则如下，测试会逐条检查：
//! - 不受信任的 `peer` 就是客户端，
//!   不管字段里写了什么（任何人都可以把这个字段直接发给应用）；
//! - 否则从右往左遍历各条目，每个条目先去掉两边的空格和制表符：受信任的地址跳过，
//!   第一个不受信任的地址就是答案；
//! - 不是纯 IP 地址的条目（乱码、空条目、带端口的地址）会终止遍历：
//!   这时答案是最后看到的那个受信任地址，也就是把乱码转交过来的、离我们最近的代理；
//! - 当所有条目都受信任（或者根本没有条目）时，答案是看到的最左边的受信任地址；
//!   完全没有这个字段时，就是 `peer` 本身。
//!
//! 用 `cargo run -p exercises -- check ex21_forwarded_for` 检查。

use std::net::IpAddr;

/// The client's address, from the connection's `peer`, the request's
/// `X-Forwarded-For` fields and the proxies you run.
///
/// With `trusted = [10.0.0.1]`, a request from `10.0.0.1` carrying
/// `X-Forwarded-For: 6.6.6.6, 203.0.113.7` came from `203.0.113.7`.
// TODO: remove this `allow` once you use the parameters.
#[allow(unused_variables)]
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpAddr]) -> IpAddr {
    // TODO: return `peer` at once when it is not in `trusted`.
    // TODO: otherwise walk every field's `split(',')` entries from the right
    // (collect them into a Vec, then `.iter().rev()`), keeping the last
    // trusted address seen; `entry.parse::<IpAddr>()` says whether an
    // entry is an address at all.
    todo!()
}

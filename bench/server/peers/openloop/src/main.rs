//! Open-loop HTTP/1.1 load at a constant rate, the way wrk2 measures: request
//! `i` is due at `start + i / rate` whatever happened to the ones before it,
//! and its latency counts from that due time, not from when it was written.
//! A server that stalls is charged for every request that waited behind the
//! stall (no coordinated omission).
//!
//! ```text
//! openloop --url http://127.0.0.1:PORT/mcp --rate R --duration S [--warmup S]
//!          [--conns C] [-H 'Name: value']... --body TEMPLATE [--sessions FILE]
//!          [--expect TEXT]
//! ```
//!
//! - `--body`: the request body; `{id}` in it becomes a number unique in the
//!   run (a JSON-RPC id never in flight twice).
//! - `--sessions FILE`: `Mcp-Session-Id` values, one a line; connection `k`
//!   sends in session `k mod n`.
//! - `--expect TEXT`: every answer must have a 2xx status and contain TEXT
//!   (the sum); others are counted as `errors` or `wrong`.
//!
//! `C` keep-alive connections on one thread (a current-thread tokio
//! runtime). A due request goes out on the first idle connection; when all
//! are busy it waits, and the wait counts. A second thread paces: it sleeps
//! on the kernel's timer with its slack set to 1 ns (tokio's timer has a
//! 1 ms granularity), so requests leave within microseconds of their due
//! time instead of in bursts once a millisecond.
//!
//! Prints one line of `key=value`: offered and achieved rates, counts,
//! latency percentiles in microseconds (p50 … p99.9, max). Requests not
//! answered by the end of the run plus one second (an overloaded server) are
//! `unfinished` and enter the percentiles with the time they had waited
//! then, a lower bound.

use std::{
    cell::{Cell, RefCell},
    collections::VecDeque,
    io,
    net::SocketAddr,
    rc::Rc,
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::{mpsc, Notify},
    task::LocalSet,
};

struct Config {
    addr: SocketAddr,
    host: String,
    path: String,
    rate: f64,
    duration: f64,
    warmup: f64,
    conns: usize,
    headers: Vec<String>,
    body: (String, String),
    sessions: Vec<String>,
    expect: Option<Vec<u8>>,
}

fn usage() -> ! {
    eprintln!(
        "usage: openloop --url URL --rate R --duration S [--warmup S] [--conns C] \
         [-H 'Name: value']... --body TEMPLATE [--sessions FILE] [--expect TEXT]"
    );
    std::process::exit(64)
}

fn parse_args() -> Result<Config, String> {
    let mut args = std::env::args().skip(1);
    let (mut url, mut rate, mut duration, mut warmup, mut conns) = (None, None, None, 0.0, 32);
    let (mut headers, mut body, mut sessions, mut expect) = (Vec::new(), None, Vec::new(), None);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        let number = |v: String| v.parse::<f64>().map_err(|_| format!("{v:?} is not a number"));
        match arg.as_str() {
            "--url" => url = Some(value()?),
            "--rate" => rate = Some(number(value()?)?),
            "--duration" => duration = Some(number(value()?)?),
            "--warmup" => warmup = number(value()?)?,
            "--conns" => conns = number(value()?)? as usize,
            "-H" => headers.push(value()?),
            "--body" => body = Some(value()?),
            "--sessions" => {
                let file = value()?;
                let text = std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?;
                sessions = text.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect();
            }
            "--expect" => expect = Some(value()?.into_bytes()),
            "-h" | "--help" => usage(),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let (Some(url), Some(rate), Some(duration), Some(body)) = (url, rate, duration, body) else { usage() };
    let rest = url.strip_prefix("http://").ok_or("only http:// URLs")?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let addr = host.parse().map_err(|_| format!("{host:?}: expected IP:PORT"))?;
    if !(rate > 0.0 && duration > 0.0 && conns > 0) {
        return Err("--rate, --duration and --conns must be positive".into());
    }
    let body = match body.split_once("{id}") {
        Some((before, after)) => (before.to_owned(), after.to_owned()),
        None => (body, String::new()),
    };
    let path = if path.is_empty() { "/".to_owned() } else { path.to_owned() };
    Ok(Config { addr, host: host.to_owned(), path, rate, duration, warmup, conns, headers, body, sessions, expect })
}

/// What the connections share (one thread: `Rc` and `Cell` suffice).
struct Shared {
    config: Config,
    /// Due times of requests not yet sent.
    queue: RefCell<VecDeque<Instant>>,
    ready: Notify,
    pacing_done: Cell<bool>,
    next_id: Cell<u64>,
    /// Due times before this are warm-up: sent, not recorded.
    measure_from: Instant,
    /// Nothing is sent or awaited after this.
    hard_stop: Instant,
    latencies_ns: RefCell<Vec<u64>>,
    answered: Cell<u64>,
    errors: Cell<u64>,
    wrong: Cell<u64>,
    unfinished: Cell<u64>,
}

impl Shared {
    fn record(&self, due: Instant, done: Instant) {
        if due >= self.measure_from {
            self.latencies_ns.borrow_mut().push(done.saturating_duration_since(due).as_nanos() as u64);
        }
    }

    fn counts(&self, due: Instant) -> bool {
        due >= self.measure_from
    }
}

/// One keep-alive connection and its read buffer.
struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Connection {
    async fn open(addr: SocketAddr) -> io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self { stream, buf: Vec::with_capacity(16 * 1024) })
    }

    async fn fill(&mut self) -> io::Result<()> {
        let len = self.buf.len();
        self.buf.resize(len + 16 * 1024, 0);
        let read = self.stream.read(&mut self.buf[len..]).await;
        let read = read.inspect_err(|_| self.buf.truncate(len))?;
        self.buf.truncate(len + read);
        if read == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }

    /// Reads one response: its status and its body (chunks joined).
    async fn response(&mut self) -> io::Result<(u16, Vec<u8>)> {
        let head_end = loop {
            if let Some(pos) = find(&self.buf, b"\r\n\r\n", 0) {
                break pos;
            }
            self.fill().await?;
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).to_ascii_lowercase();
        let bad = || io::Error::new(io::ErrorKind::InvalidData, "malformed response head");
        let status: u16 = head.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let mut length = None;
        let mut chunked = false;
        for line in head.split("\r\n").skip(1) {
            if let Some(value) = line.strip_prefix("content-length:") {
                length = Some(value.trim().parse::<usize>().map_err(|_| bad())?);
            } else if let Some(value) = line.strip_prefix("transfer-encoding:") {
                chunked = value.contains("chunked");
            }
        }
        let mut at = head_end + 4;
        let mut body = Vec::new();
        if chunked {
            loop {
                let line_end = loop {
                    if let Some(pos) = find(&self.buf, b"\r\n", at) {
                        break pos;
                    }
                    self.fill().await?;
                };
                let size_text = String::from_utf8_lossy(&self.buf[at..line_end]);
                let size_text = size_text.split(';').next().unwrap_or("").trim().to_owned();
                let size = usize::from_str_radix(&size_text, 16).map_err(|_| bad())?;
                at = line_end + 2;
                while self.buf.len() < at + size + 2 {
                    self.fill().await?;
                }
                body.extend_from_slice(&self.buf[at..at + size]);
                at += size + 2;
                if size == 0 {
                    break;
                }
            }
        } else if let Some(length) = length {
            while self.buf.len() < at + length {
                self.fill().await?;
            }
            body.extend_from_slice(&self.buf[at..at + length]);
            at += length;
        }
        self.buf.drain(..at);
        Ok((status, body))
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// The request bytes before the body, for connection `index`.
fn request_head(config: &Config, index: usize) -> String {
    let mut head = format!("POST {} HTTP/1.1\r\nHost: {}\r\n", config.path, config.host);
    for header in &config.headers {
        head.push_str(header);
        head.push_str("\r\n");
    }
    if !config.sessions.is_empty() {
        head.push_str(&format!("Mcp-Session-Id: {}\r\n", config.sessions[index % config.sessions.len()]));
    }
    head
}

async fn connection(shared: Rc<Shared>, index: usize, opened: Connection) {
    let config = &shared.config;
    let head = request_head(config, index);
    let mut conn = Some(opened);
    let mut request = Vec::with_capacity(1024);
    loop {
        let due = shared.queue.borrow_mut().pop_front();
        let Some(due) = due else {
            if shared.pacing_done.get() {
                return;
            }
            shared.ready.notified().await;
            continue;
        };
        if Instant::now() >= shared.hard_stop {
            // Overloaded: this one was never sent.
            if shared.counts(due) {
                shared.unfinished.set(shared.unfinished.get() + 1);
            }
            shared.record(due, shared.hard_stop);
            continue;
        }
        let id = shared.next_id.get();
        shared.next_id.set(id + 1);
        let body = format!("{}{id}{}", config.body.0, config.body.1);
        request.clear();
        request.extend_from_slice(head.as_bytes());
        request.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        request.extend_from_slice(body.as_bytes());
        let exchange = async {
            if conn.is_none() {
                conn = Some(Connection::open(config.addr).await?);
            }
            let c = conn.as_mut().expect("opened above");
            c.stream.write_all(&request).await?;
            c.response().await
        };
        let outcome = tokio::time::timeout_at(shared.hard_stop.into(), exchange).await;
        let done = Instant::now();
        let counted = shared.counts(due);
        match outcome {
            Err(_elapsed) => {
                if counted {
                    shared.unfinished.set(shared.unfinished.get() + 1);
                }
                shared.record(due, shared.hard_stop);
                conn = None;
            }
            Ok(Err(_io)) => {
                if counted {
                    shared.errors.set(shared.errors.get() + 1);
                }
                shared.record(due, done);
                conn = None;
            }
            Ok(Ok((status, body))) => {
                shared.record(due, done);
                if counted {
                    if !(200..300).contains(&status) {
                        shared.errors.set(shared.errors.get() + 1);
                    } else if config.expect.as_deref().is_some_and(|e| find(&body, e, 0).is_none()) {
                        shared.wrong.set(shared.wrong.get() + 1);
                    } else {
                        shared.answered.set(shared.answered.get() + 1);
                    }
                }
            }
        }
    }
}

/// The pacer, on a thread of its own: sends each request's due time when it
/// comes. It sleeps in between with the kernel's timer (its slack set to
/// 1 ns), not tokio's 1 ms wheel, so requests are released within
/// microseconds of their due time, and a sleeping thread is scheduled
/// promptly on wakeup even when other processes share the CPU.
fn pace(rate: f64, start: Instant, end: Instant, due_times: mpsc::UnboundedSender<Instant>) {
    // SAFETY: prctl(PR_SET_TIMERSLACK) changes only this thread's timer slack.
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0);
    }
    let interval = 1.0 / rate;
    let mut index: u64 = 0;
    loop {
        let due = start + Duration::from_secs_f64(index as f64 * interval);
        if due >= end {
            return;
        }
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        if due_times.send(due).is_err() {
            return;
        }
        index += 1;
    }
}

/// Moves due times from the pacer into the queue the connections share.
async fn dispatch(shared: Rc<Shared>, mut due_times: mpsc::UnboundedReceiver<Instant>) {
    while let Some(due) = due_times.recv().await {
        shared.queue.borrow_mut().push_back(due);
        shared.ready.notify_one();
    }
    shared.pacing_done.set(true);
    shared.ready.notify_waiters();
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

fn main() {
    let config = parse_args().unwrap_or_else(|message| {
        eprintln!("openloop: {message}");
        std::process::exit(64)
    });
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let local = LocalSet::new();
    let line = local.block_on(&runtime, async move {
        // Open the connections before the clock starts.
        let mut opened = Vec::new();
        for _ in 0..config.conns {
            match Connection::open(config.addr).await {
                Ok(c) => opened.push(c),
                Err(err) => {
                    eprintln!("openloop: connect {}: {err}", config.addr);
                    std::process::exit(1)
                }
            }
        }
        let start = Instant::now() + Duration::from_millis(20);
        let measure_from = start + Duration::from_secs_f64(config.warmup);
        let end = measure_from + Duration::from_secs_f64(config.duration);
        let shared = Rc::new(Shared {
            config,
            queue: RefCell::new(VecDeque::new()),
            ready: Notify::new(),
            pacing_done: Cell::new(false),
            next_id: Cell::new(1),
            measure_from,
            hard_stop: end + Duration::from_secs(1),
            latencies_ns: RefCell::new(Vec::new()),
            answered: Cell::new(0),
            errors: Cell::new(0),
            wrong: Cell::new(0),
            unfinished: Cell::new(0),
        });
        let mut tasks = Vec::new();
        for (index, opened) in opened.into_iter().enumerate() {
            tasks.push(tokio::task::spawn_local(connection(shared.clone(), index, opened)));
        }
        let (sender, receiver) = mpsc::unbounded_channel();
        let rate = shared.config.rate;
        let pacer = std::thread::spawn(move || pace(rate, start, end, sender));
        tokio::task::spawn_local(dispatch(shared.clone(), receiver)).await.expect("dispatcher");
        pacer.join().expect("pacer thread");
        for task in tasks {
            task.await.expect("connection task");
        }
        let last = Instant::now().min(shared.hard_stop);
        let mut latencies = shared.latencies_ns.take();
        latencies.sort_unstable();
        let sent = latencies.len() as u64;
        let seconds = shared.config.duration;
        let p = |q| percentile(&latencies, q);
        format!(
            "offered_rps={:.0} achieved_rps={:.0} requests={sent} answered={} errors={} wrong={} \
             unfinished={} p50_us={:.1} p90_us={:.1} p99_us={:.1} p999_us={:.1} max_us={:.1} drain_ms={:.0}",
            shared.config.rate,
            shared.answered.get() as f64 / seconds,
            shared.answered.get(),
            shared.errors.get(),
            shared.wrong.get(),
            shared.unfinished.get(),
            p(50.0),
            p(90.0),
            p(99.0),
            p(99.9),
            latencies.last().copied().unwrap_or(0) as f64 / 1000.0,
            last.saturating_duration_since(end).as_secs_f64() * 1000.0,
        )
    });
    println!("{line}");
}

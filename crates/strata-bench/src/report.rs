//! Printing measurements as ratios to a reference, medians over runs, and peak memory.

use std::time::Duration;

/// One measured step.
pub struct Step {
    pub name: String,
    pub time: Duration,
    pub reference: Duration,
    pub goal: Option<f64>,
}

/// Prints a table of steps with their ratio to the reference and the goal.
pub fn print(title: &str, steps: &[Step]) {
    println!("\n{title}");
    println!(
        "{:<34} {:>10} {:>12} {:>8} {:>8}  verdict",
        "step", "seconds", "reference s", "ratio", "goal"
    );
    for s in steps {
        let ratio = s.time.as_secs_f64() / s.reference.as_secs_f64().max(1e-9);
        let (goal, verdict) = match s.goal {
            Some(g) => (format!("≤{g:.2}"), if ratio <= g { "ok" } else { "MISSED" }),
            None => ("-".into(), ""),
        };
        println!(
            "{:<34} {:>10.3} {:>12.3} {:>8.2} {:>8}  {verdict}",
            s.name,
            s.time.as_secs_f64(),
            s.reference.as_secs_f64(),
            ratio,
            goal
        );
    }
}

/// Runs per measurement: `STRATA_BENCH_ROUNDS` (default 3). Each round repeats the whole
/// workload, reference included, on fresh tables; the report takes the median of each time.
pub fn rounds() -> usize {
    std::env::var("STRATA_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1)
}

/// The median of `times` (the upper one of an even count; zero when there are none).
pub fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// Per step, the median time and the median reference over the rounds.
pub fn median_steps(rounds: Vec<Vec<Step>>) -> Vec<Step> {
    let Some(first) = rounds.first() else {
        return Vec::new();
    };
    (0..first.len())
        .map(|i| Step {
            name: first[i].name.clone(),
            time: median(rounds.iter().map(|r| r[i].time).collect()),
            reference: median(rounds.iter().map(|r| r[i].reference).collect()),
            goal: first[i].goal,
        })
        .collect()
}

/// Peak resident set size of this process (VmHWM), in bytes.
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

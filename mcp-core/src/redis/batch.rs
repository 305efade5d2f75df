//! [`Batch`]: commands sent together. To one Redis they go as one pipeline
//! (one round trip); to Redis Cluster, whose pipelines must stay within one
//! slot, as one pipeline per hash tag, all sent at once, their answers put
//! back in the order the commands were queued.

use redis::{ToRedisArgs, Value};

/// Commands to send together; built like a `redis::Pipeline` (`cmd`, `arg`,
/// `ignore`), run by [`Redis::batch`](super::Redis::batch). A command's
/// first argument is its key, which places it in Redis Cluster.
pub(crate) struct Batch {
    /// The commands as one pipeline: what one Redis is sent, as built.
    pipe: redis::Pipeline,
    /// Per command: its key (its first argument) and whether its answer is
    /// left out.
    queued: Vec<(Option<Vec<u8>>, bool)>,
}

impl Batch {
    pub(crate) fn new() -> Self {
        Self { pipe: redis::pipe(), queued: Vec::new() }
    }

    /// Starts the command `name`.
    pub(crate) fn cmd(&mut self, name: &str) -> &mut Self {
        self.pipe.cmd(name);
        self.queued.push((None, false));
        self
    }

    /// Adds an argument to the last command (its first is its key).
    pub(crate) fn arg<T: ToRedisArgs>(&mut self, arg: T) -> &mut Self {
        if let Some((key, _)) = self.queued.last_mut()
            && key.is_none()
        {
            *key = arg.to_redis_args().into_iter().next();
        }
        self.pipe.arg(arg);
        self
    }

    /// Queues a Lua script run with `EVAL` (its text sent each time, so a
    /// Redis restarted empty needs no `SCRIPT LOAD`): one command on the
    /// wire, placed in Redis Cluster by its first key.
    pub(crate) fn eval(&mut self, script: &str, keys: &[String]) -> &mut Self {
        self.pipe.cmd("EVAL").arg(script).arg(keys.len()).arg(keys);
        self.queued.push((keys.first().map(|key| key.clone().into_bytes()), false));
        self
    }

    /// Leaves the last command's answer out of the result.
    pub(crate) fn ignore(&mut self) -> &mut Self {
        if let Some((_, ignored)) = self.queued.last_mut() {
            *ignored = true;
            self.pipe.ignore();
        }
        self
    }

    /// All the commands as one pipeline.
    pub(super) fn pipeline(&self) -> &redis::Pipeline {
        &self.pipe
    }

    /// The commands grouped by hash tag, each group as a pipeline that
    /// answers every command, with the positions of its commands.
    pub(super) fn by_slot(&self) -> Vec<(redis::Pipeline, Vec<usize>)> {
        let mut groups: Vec<(&[u8], redis::Pipeline, Vec<usize>)> = Vec::new();
        for (position, ((key, _), cmd)) in self.queued.iter().zip(self.pipe.cmd_iter()).enumerate() {
            let tag = key.as_deref().map_or(&b""[..], hash_tag);
            match groups.iter_mut().find(|(t, _, _)| *t == tag) {
                Some((_, pipe, positions)) => {
                    pipe.add_command(cmd.clone());
                    positions.push(position);
                }
                None => {
                    let mut pipe = redis::pipe();
                    pipe.add_command(cmd.clone());
                    groups.push((tag, pipe, vec![position]));
                }
            }
        }
        groups.into_iter().map(|(_, pipe, positions)| (pipe, positions)).collect()
    }

    /// The answers of [`by_slot`](Self::by_slot)'s groups, back in queued
    /// order, without the ignored ones: what one pipeline would answer.
    pub(super) fn reassemble(&self, answers: Vec<(Vec<usize>, Vec<Value>)>) -> Value {
        let mut ordered: Vec<Option<Value>> = (0..self.queued.len()).map(|_| None).collect();
        for (positions, values) in answers {
            for (position, value) in positions.into_iter().zip(values) {
                ordered[position] = Some(value);
            }
        }
        let kept = self.queued.iter().zip(ordered).filter(|((_, ignored), _)| !ignored);
        Value::Array(kept.map(|(_, value)| value.unwrap_or(Value::Nil)).collect())
    }
}

/// What Redis Cluster hashes of `key`: the part between the first `{` and
/// the next `}` when it is not empty, else the whole key.
fn hash_tag(key: &[u8]) -> &[u8] {
    if let Some(open) = key.iter().position(|&b| b == b'{')
        && let Some(length) = key[open + 1..].iter().position(|&b| b == b'}')
        && length > 0
    {
        return &key[open + 1..open + 1 + length];
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_tags_are_read_as_redis_cluster_reads_them() {
        assert_eq!(hash_tag(b"mcp:{abc}:record"), b"abc");
        assert_eq!(hash_tag(b"mcp:sessions"), b"mcp:sessions");
        assert_eq!(hash_tag(b"mcp:{}:x"), b"mcp:{}:x");
        assert_eq!(hash_tag(b"a{b}c{d}"), b"b");
    }

    #[test]
    fn groups_keep_the_queued_order_and_leave_out_ignored_answers() {
        let mut batch = Batch::new();
        batch.cmd("GET").arg("m:{s}:record");
        batch.cmd("PEXPIRE").arg("m:{s}:values").arg(5).ignore();
        batch.cmd("ZADD").arg("m:sessions").arg(1).arg("s");
        batch.cmd("PEXPIRE").arg("m:{s}:streams").arg(5);
        let groups = batch.by_slot();
        assert_eq!(groups.iter().map(|(_, p)| p.clone()).collect::<Vec<_>>(), [vec![0, 1, 3], vec![2]]);
        let answers = vec![
            (vec![0, 1, 3], vec![Value::Int(10), Value::Int(11), Value::Int(13)]),
            (vec![2], vec![Value::Int(12)]),
        ];
        assert_eq!(batch.reassemble(answers), Value::Array(vec![Value::Int(10), Value::Int(12), Value::Int(13)]));
    }

    #[test]
    fn a_script_is_placed_by_its_first_key_and_takes_arguments_after_its_keys() {
        let mut batch = Batch::new();
        batch.cmd("ZADD").arg("m:sessions").arg(1).arg("s");
        batch.eval("return 1", &["m:{s}:record".into(), "m:{s}:values".into()]).arg(7);
        let groups = batch.by_slot();
        assert_eq!(groups.iter().map(|(_, p)| p.clone()).collect::<Vec<_>>(), [vec![0], vec![1]]);
        let packed = String::from_utf8(groups[1].0.get_packed_pipeline()).unwrap();
        let words: Vec<&str> = packed.split("\r\n").filter(|w| !w.starts_with(['*', '$'])).collect();
        assert_eq!(words, ["EVAL", "return 1", "2", "m:{s}:record", "m:{s}:values", "7", ""]);
    }
}

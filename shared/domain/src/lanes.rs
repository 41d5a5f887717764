//! The webhook sender's per-endpoint queues (API 1.2 outbound webhooks): each endpoint has
//! a lane of its own with at most a fixed number of workers, so a slow receiver holds only
//! its own workers and never another shop's deliveries. Pure bookkeeping: which deliveries
//! are taken, how many workers each lane runs, what each lane still holds. The sender owns
//! the I/O.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

/// One endpoint's deliveries not yet taken by a worker, shared with its workers.
pub struct Lane<T>(Arc<Mutex<VecDeque<T>>>);

impl<T> Clone for Lane<T> {
    fn clone(&self) -> Self {
        Lane(Arc::clone(&self.0))
    }
}

impl<T> Default for Lane<T> {
    fn default() -> Self {
        Lane(Arc::new(Mutex::new(VecDeque::new())))
    }
}

impl<T> Lane<T> {
    /// The next delivery, first in first out.
    pub fn pop(&self) -> Option<T> {
        self.0.lock().ok().and_then(|mut q| q.pop_front())
    }

    /// Changes every waiting delivery (e.g. the endpoint was disabled meanwhile).
    pub fn update_all(&self, f: impl FnMut(&mut T)) {
        if let Ok(mut q) = self.0.lock() {
            q.iter_mut().for_each(f);
        }
    }

    fn push(&self, item: T) {
        if let Ok(mut q) = self.0.lock() {
            q.push_back(item);
        }
    }

    fn len(&self) -> usize {
        self.0.lock().map_or(0, |q| q.len())
    }
}

/// Every endpoint's lane, the deliveries taken and the workers running on each lane.
pub struct Lanes<T> {
    per_lane: usize,
    lanes: HashMap<String, Lane<T>>,
    running: HashMap<String, usize>,
    taken: HashSet<String>,
}

impl<T> Lanes<T> {
    /// Lanes of at most `per_lane` workers each.
    pub fn new(per_lane: usize) -> Self {
        Lanes {
            per_lane,
            lanes: HashMap::new(),
            running: HashMap::new(),
            taken: HashSet::new(),
        }
    }

    /// Whether a delivery is queued or being attempted (a sweep sees it again until its
    /// claim moves it out of the due index).
    pub fn is_taken(&self, id: &str) -> bool {
        self.taken.contains(id)
    }

    /// Queues a delivery on its endpoint's lane, once.
    pub fn offer(&mut self, id: String, lane: String, item: T) {
        if self.taken.insert(id) {
            self.lanes.entry(lane).or_default().push(item);
        }
    }

    /// The workers to start now: one per waiting delivery, up to the lane's limit counting
    /// those already running. Each is counted as running until `finished`.
    pub fn start(&mut self) -> Vec<(String, Lane<T>)> {
        let mut starts = Vec::new();
        for (key, lane) in &self.lanes {
            let running = self.running.entry(key.clone()).or_default();
            let wanted = self.per_lane.min(*running + lane.len());
            while *running < wanted {
                *running += 1;
                starts.push((key.clone(), lane.clone()));
            }
        }
        starts
    }

    /// A worker on `lane` stopped after attempting `ids`: they may be taken again (a later
    /// sweep finds them only if they are still due).
    pub fn finished(&mut self, lane: &str, ids: Vec<String>) {
        if let Some(n) = self.running.get_mut(lane) {
            *n = n.saturating_sub(1);
        }
        for id in ids {
            self.taken.remove(&id);
        }
    }

    /// Forgets lanes with nothing waiting and no worker.
    pub fn tidy(&mut self) {
        let running = &self.running;
        self.lanes
            .retain(|k, lane| running.get(k).is_some_and(|n| *n > 0) || lane.len() > 0);
        self.running.retain(|_, n| *n > 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slow_endpoint_gets_its_own_workers_and_no_more() {
        let mut lanes = Lanes::new(8);
        for i in 0..20 {
            lanes.offer(format!("slow{i}"), "shop1#slow".into(), i);
        }
        lanes.offer("fast0".into(), "shop2#fast".into(), 100);
        let starts = lanes.start();
        let slow = starts.iter().filter(|(k, _)| k == "shop1#slow").count();
        let fast = starts.iter().filter(|(k, _)| k == "shop2#fast").count();
        assert_eq!((slow, fast), (8, 1));
        // The fast endpoint's worker has taken its delivery; the slow lane still holds 20,
        // but nothing more starts on it while its 8 workers run.
        let (_, fast_lane) = starts.iter().find(|(k, _)| k == "shop2#fast").unwrap();
        assert_eq!(fast_lane.pop(), Some(100));
        assert!(lanes.start().is_empty());
        lanes.finished("shop1#slow", vec!["slow0".into()]);
        assert_eq!(lanes.start().len(), 1);
    }

    #[test]
    fn a_delivery_is_queued_once_until_its_worker_is_done() {
        let mut lanes = Lanes::new(8);
        lanes.offer("d1".into(), "e".into(), 1);
        lanes.offer("d1".into(), "e".into(), 1);
        let starts = lanes.start();
        assert_eq!(starts.len(), 1);
        let lane = &starts[0].1;
        assert_eq!((lane.pop(), lane.pop()), (Some(1), None));
        assert!(lanes.is_taken("d1"));
        lanes.finished("e", vec!["d1".into()]);
        assert!(!lanes.is_taken("d1"));
        lanes.tidy();
        assert!(lanes.start().is_empty());
    }

    #[test]
    fn waiting_deliveries_can_be_changed_in_place() {
        let mut lanes = Lanes::new(1);
        lanes.offer("a".into(), "e".into(), Some(1));
        lanes.offer("b".into(), "e".into(), Some(2));
        let (_, lane) = lanes.start().remove(0);
        lane.update_all(|e| *e = None);
        assert_eq!((lane.pop(), lane.pop()), (Some(None), Some(None)));
    }
}

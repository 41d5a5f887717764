//! What every handler gets: the store, the token verifier and the clock, built once per
//! cold start.

use domain::chrono::{DateTime, Utc};
use store::{Store, StoreConfig};

use crate::auth::Authenticator;

#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    /// Tests pin time to cross expiry boundaries without waiting.
    Fixed(DateTime<Utc>),
    /// Starts at `from` and advances with the monotonic clock: a test runs on the same date
    /// whatever the machine's clock and zone say (`make test-clock`), and time still moves
    /// between its operations (ledger order, the order of registrations).
    Ticking {
        from: DateTime<Utc>,
        started: std::time::Instant,
    },
}

impl Clock {
    pub fn ticking(from: DateTime<Utc>) -> Self {
        Clock::Ticking {
            from,
            started: std::time::Instant::now(),
        }
    }
}

#[derive(Debug)]
pub struct Ctx {
    pub store: Store,
    pub auth: Authenticator,
    pub clock: Clock,
}

impl Ctx {
    pub fn from_env() -> Result<Self, String> {
        // Auth first: a function that cannot verify tokens must not start at all.
        let auth = Authenticator::from_env()?;
        let config = StoreConfig::from_env().map_err(|e| e.to_string())?;
        Ok(Self {
            store: Store::connect(config).map_err(|e| e.to_string())?,
            auth,
            clock: Clock::System,
        })
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self.clock {
            Clock::System => Utc::now(),
            Clock::Fixed(at) => at,
            Clock::Ticking { from, started } => {
                from + domain::chrono::TimeDelta::from_std(started.elapsed())
                    .unwrap_or(domain::chrono::TimeDelta::MAX)
            }
        }
    }
}

//! The shipped binary refuses to start outside the local stack when it cannot verify tokens
//! safely: no secret, an empty one (anyone can sign with it) or one shorter than 32 bytes.
//! Started as Lambda would start it, without `LOYALTY_LOCAL`.

use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn start(secret: Option<&str>, local: bool) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_get-member"));
    cmd.env_clear()
        .env("LOYALTY_TABLE", "loyalty")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(s) = secret {
        cmd.env("LOYALTY_JWT_SECRET", s);
    }
    if local {
        cmd.env("LOYALTY_LOCAL", "1");
    }
    let child = cmd.spawn().expect("start the get-member binary");
    let pid = child.id();
    // Without a Lambda Runtime API the binary stops anyway once past init; a hang would
    // mean it got further than it should have: after 30 s it is killed, and the assertions
    // then see a killed process, not a refusal.
    let (done, exited) = mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    match exited.recv_timeout(Duration::from_secs(30)) {
        Ok(out) => out.expect("collect output"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            exited
                .recv()
                .expect("the killed process")
                .expect("collect output")
        }
    }
}

fn refused_for_the_secret(out: &Output) -> bool {
    !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("LOYALTY_JWT_SECRET")
}

#[test]
fn without_a_secret_with_an_empty_or_a_short_one_the_function_does_not_start() {
    for secret in [
        None,
        Some(""),
        Some("local-dev-secret"),
        Some("0123456789abcdef0123456789abcde"),
    ] {
        let out = start(secret, false);
        assert!(
            refused_for_the_secret(&out),
            "{secret:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_long_enough_secret_or_the_local_stack_passes_the_auth_check() {
    // Control: the same start gets past auth (it then stops for want of a Runtime API).
    for (secret, local) in [
        (Some("0123456789abcdef0123456789abcdef"), false),
        (None, true),
    ] {
        let out = start(secret, local);
        assert!(
            !refused_for_the_secret(&out),
            "{secret:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

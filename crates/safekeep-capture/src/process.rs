//! Programs Safekeep starts (browsers, yt-dlp, FFmpeg) end with Safekeep, however it
//! ends: closed, quick exit, a crash, `kill -9` (docs/security.md § "Nothing left
//! behind"). A browser left running after Safekeep is gone would keep the person's
//! logged-in tabs and profile open to whoever uses the computer next.
//!
//! - On Linux each child gets `PR_SET_PDEATHSIG` (SIGKILL). The kernel sends it when the
//!   *thread* that started the child ends, so children are started from one thread that
//!   lives as long as the process ([`spawn`]).
//! - On Unix each child's files are private to the account (umask 077), so its profile,
//!   caches and downloads are not readable by other accounts even while it runs.
//! - On Windows each child joins a job object that kills everything in it when Safekeep
//!   ends, however it ends.
//! - Every child is listed, so quick exit can end them all at once ([`kill_all_now`]).

use std::io;
use std::process::{Child, Command};
use std::sync::Mutex;
use std::sync::mpsc;

/// The children of this process that may still run, by process id.
static RUNNING: Mutex<Vec<u32>> = Mutex::new(Vec::new());

type Request = (Command, mpsc::Sender<io::Result<Child>>);

/// The thread every child is started from (see the module docs), started once.
static LAUNCHER: Mutex<Option<mpsc::Sender<Request>>> = Mutex::new(None);

/// Starts `cmd` as a child that ends with Safekeep (see the module docs).
pub fn spawn(mut cmd: Command) -> io::Result<Child> {
    guard(&mut cmd);
    let (tx, rx) = mpsc::channel();
    {
        let mut launcher = lock(&LAUNCHER);
        if launcher.is_none() {
            let (req_tx, req_rx) = mpsc::channel::<Request>();
            std::thread::Builder::new()
                .name("safekeep-launcher".into())
                .spawn(move || {
                    while let Ok((mut cmd, reply)) = req_rx.recv() {
                        let _ = reply.send(cmd.spawn());
                    }
                })?;
            *launcher = Some(req_tx);
        }
        launcher
            .as_ref()
            .ok_or_else(|| io::Error::other("the launcher thread is gone"))?
            .send((cmd, tx))
            .map_err(|_| io::Error::other("the launcher thread is gone"))?;
    }
    let child = rx
        .recv()
        .map_err(|_| io::Error::other("the launcher thread is gone"))??;
    #[cfg(windows)]
    let child = match tie(&child) {
        Ok(()) => child,
        Err(e) => {
            let mut child = child;
            let _ = child.kill();
            let _ = child.wait();
            return Err(e);
        }
    };
    lock(&RUNNING).push(child.id());
    Ok(child)
}

/// Whether `pid` is a child still listed (not yet waited for, nor ended by
/// [`kill_all_now`], which reaps: after it, the id may already be another program's).
pub fn is_listed(pid: u32) -> bool {
    lock(&RUNNING).contains(&pid)
}

/// Forgets `pid` (it has been waited for: the id may be reused).
pub fn forget(pid: u32) {
    lock(&RUNNING).retain(|p| *p != pid);
}

/// Ends every child still running, with the helpers it started, at once (quick exit):
/// no waiting for pages or captures in progress. Returns after they have ended (at most
/// about a second), so that their folders can be removed without one writing into them.
pub fn kill_all_now() {
    let pids: Vec<u32> = lock(&RUNNING).drain(..).collect();
    for pid in &pids {
        kill(*pid);
    }
    reap(&pids);
}

/// Makes Ctrl-C, a closed terminal and SIGTERM (logging out) end Safekeep the way quick
/// exit does: every child ended and every run folder removed, then the process exits
/// with 128 + the signal. Without it, the default action ends Safekeep at once and leaves
/// the browser's profile on disk until the next start. Set once; later calls do nothing.
/// Not for commands that give Ctrl-C a meaning of their own (a screen recording).
#[cfg(unix)]
pub fn end_with_signals() -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    static SET: std::sync::Once = std::sync::Once::new();
    let mut result = Ok(());
    SET.call_once(|| {
        result = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]).and_then(|mut signals| {
            std::thread::Builder::new()
                .name("safekeep-signals".into())
                .spawn(move || {
                    if let Some(signal) = signals.forever().next() {
                        crate::web::browser::kill_all_now();
                        std::process::exit(128 + signal);
                    }
                })
                .map(drop)
        });
    });
    result
}

/// See the Unix version; Windows ends console children with their console.
#[cfg(windows)]
pub fn end_with_signals() -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
#[allow(unsafe_code, reason = "kill(2) has no safe wrapper in std")]
fn kill(pid: u32) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill(2) with a pid this process started and has not waited for (a
        // waited-for child is forgotten first), so the id is not another program's; its
        // process group is its own (see `guard`), holding the helpers it started.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
            libc::kill(pid, libc::SIGKILL);
        }
    }
}

/// Waits (about a second at most) for the killed children to end, reaping them.
#[cfg(unix)]
#[allow(unsafe_code, reason = "waitpid(2) by id has no safe wrapper in std")]
fn reap(pids: &[u32]) {
    let mut left: Vec<libc::pid_t> = pids
        .iter()
        .filter_map(|p| libc::pid_t::try_from(*p).ok())
        .collect();
    for _ in 0..100 {
        // SAFETY: waitpid(2) on our own children, not blocking.
        left.retain(|p| unsafe { libc::waitpid(*p, std::ptr::null_mut(), libc::WNOHANG) } == 0);
        if left.is_empty() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[cfg(windows)]
fn kill(pid: u32) {
    let _ = Command::new("taskkill")
        .args(["/F", "/T", "/PID", &pid.to_string()])
        .status();
}

#[cfg(windows)]
fn reap(_pids: &[u32]) {
    // taskkill returns once they are ended.
}

#[cfg(unix)]
#[allow(unsafe_code, reason = "pre_exec: the child's set-up between fork and exec")]
fn guard(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id();
    // SAFETY: between fork and exec only async-signal-safe calls are made (umask, setpgid,
    // prctl, getppid, _exit), touching no memory of the parent.
    unsafe {
        cmd.pre_exec(move || {
            libc::umask(0o077);
            // A process group of its own, so that quick exit ends its helpers with it.
            libc::setpgid(0, 0);
            #[cfg(target_os = "linux")]
            {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(io::Error::last_os_error());
                }
                // The parent may have ended before the signal was asked for.
                if u32::try_from(libc::getppid()).ok() != Some(parent) {
                    libc::_exit(1);
                }
            }
            let _ = parent;
            Ok(())
        });
    }
}

#[cfg(windows)]
fn guard(_cmd: &mut Command) {
    // Windows: the child joins Safekeep's job once started ([`tie`]).
}

/// Puts a started child into Safekeep's job object, whose last handle (ours, never
/// closed) closes when Safekeep ends however it ends, killing every process in it
/// (`JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`); the children they start join it too.
#[cfg(windows)]
#[allow(unsafe_code, reason = "the job object API has no safe wrapper")]
fn tie(child: &Child) -> io::Result<()> {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::System::JobObjects::{
        AssignProcessToJobObject, CreateJobObjectW, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JobObjectExtendedLimitInformation, SetInformationJobObject,
    };
    static JOB: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let job = *JOB.get_or_init(|| {
        // SAFETY: plain Win32 calls with a zeroed, correctly sized information block.
        unsafe {
            let job = CreateJobObjectW(std::ptr::null(), std::ptr::null());
            if job.is_null() {
                return 0;
            }
            let mut info: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = std::mem::zeroed();
            info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
            let size =
                u32::try_from(std::mem::size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>()).unwrap_or(0);
            SetInformationJobObject(
                job,
                JobObjectExtendedLimitInformation,
                std::ptr::from_ref(&info).cast(),
                size,
            );
            job as usize
        }
    });
    if job == 0 {
        return Err(io::Error::other("Safekeep's job object could not be made"));
    }
    // SAFETY: the job handle lives for the process; the child's handle is open.
    if unsafe { AssignProcessToJobObject(job as _, child.as_raw_handle()) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_child_writes_private_files_and_is_listed_until_forgotten() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("made-by-child");
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(format!("echo x > '{}'", file.display()));
        let mut child = spawn(cmd).expect("spawn");
        assert!(lock(&RUNNING).contains(&child.id()));
        child.wait().expect("wait");
        forget(child.id());
        assert!(!lock(&RUNNING).contains(&child.id()));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
}

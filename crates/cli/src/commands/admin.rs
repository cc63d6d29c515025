use std::io::BufRead;

use pelanggan_core::admins::{self, NewAdmin, Role};
use pelanggan_core::{Db, Error, Result};

use crate::args::AdminCmd;
use crate::output::{List, Render};

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &AdminCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        AdminCmd::Add {
            username,
            name,
            default,
            role,
            password_stdin,
        } => {
            let admin = NewAdmin {
                username: username.clone(),
                name: name.clone(),
                make_default: *default,
                role: role.parse::<Role>()?,
                password: password_stdin.then(read_password).transpose()?,
            };
            Box::new(db.write(actor, |w| admins::add(w, admin))?)
        }
        AdminCmd::Passwd { username, .. } => {
            let password = read_password()?;
            Box::new(db.write(actor, |w| admins::set_password(w, username, &password))?)
        }
        AdminCmd::List => Box::new(List(admins::list(db.reader()?)?)),
    })
}

/// One line of standard input, without its line ending: a password is never
/// an argument (arguments show in `ps` and the shell's history).
fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    if line.is_empty() {
        return Err(Error::Validation {
            field: "password",
            message:
                "--password-stdin read nothing: give the password as one line on standard input"
                    .into(),
        });
    }
    let end = line.trim_end_matches(['\n', '\r']).len();
    line.truncate(end);
    Ok(line)
}

//! Every command's `--help` explains every argument: a walk over the whole
//! command tree that fails on any argument, positional or flag, without help.

use clap::CommandFactory;

use crate::args::Cli;

/// `path` of every command below `cmd` (itself included), with the command.
fn walk<'a>(cmd: &'a clap::Command, path: String, out: &mut Vec<(String, &'a clap::Command)>) {
    for sub in cmd.get_subcommands() {
        walk(sub, format!("{path} {}", sub.get_name()), out);
    }
    out.push((path, cmd));
}

#[test]
fn every_argument_of_every_command_has_help() {
    let cli = Cli::command();
    let mut commands = Vec::new();
    walk(&cli, "pelanggan".into(), &mut commands);
    let mut missing = Vec::new();
    for (path, cmd) in &commands {
        if cmd.get_about().is_none() {
            missing.push(format!("{path} (the command itself)"));
        }
        for arg in cmd.get_arguments() {
            let builtin = matches!(arg.get_id().as_str(), "help" | "version");
            if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{path}: {}", arg.get_id()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "arguments without help (add a /// doc comment):\n{}",
        missing.join("\n")
    );
    // The walk saw the whole tree, not just the top.
    assert!(commands.iter().any(|(p, _)| p == "pelanggan customer list"));
}

#[test]
fn the_command_line_is_well_formed() {
    Cli::command().debug_assert();
}

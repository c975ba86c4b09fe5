mod groups;
mod user_actions;
mod users;
mod users_browser;

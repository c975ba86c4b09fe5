mod audit;
mod browser_audit;
mod invitations;
mod overview;

DROP TABLE web_sign_ins;
DROP TABLE web_sessions;

package emulator

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tele "gopkg.in/telebot.v3"
)

// Telegram's descriptions, spelled exactly so that telebot maps them to its
// error values (tele.ErrSameMessageContent, tele.ErrBlockedByUser...).
const (
	descNotModified = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
	descQueryTooOld = "query is too old and response timeout expired or query ID is invalid"
	descBlocked     = "Forbidden: bot was blocked by the user"
)

// trueMethods answer true and only get recorded: the bot may call them,
// but their effect is invisible to the other users of the fake.
var trueMethods = map[string]bool{
	"sendchataction": true, "pinchatmessage": true, "unpinchatmessage": true, "unpinallchatmessages": true,
	"setchatmenubutton": true, "setmyname": true, "setmydescription": true, "setmyshortdescription": true,
	"setchatpermissions": true, "setchattitle": true, "setchatdescription": true, "promotechatmember": true,
	"setchatadministratorcustomtitle": true, "setmydefaultadministratorrights": true,
	"deletewebhook": true, "setwebhook": true, "logout": true, "close": true, "setmessagereaction": true,
}

func (s *Server) dispatchLocked(c *Call) reply {
	m := strings.ToLower(c.Method)
	switch m {
	case "getme":
		return okReply(s.meJSON())
	case "sendmessage":
		return s.sendMessageLocked(c)
	case "sendphoto":
		return s.sendMediaLocked(c, "photo")
	case "senddocument":
		return s.sendMediaLocked(c, "document")
	case "copymessage":
		return s.copyLocked(c, false)
	case "forwardmessage":
		return s.copyLocked(c, true)
	case "editmessagetext":
		return s.editTextLocked(c, "text")
	case "editmessagecaption":
		return s.editTextLocked(c, "caption")
	case "editmessagereplymarkup":
		return s.editMarkupLocked(c)
	case "deletemessage":
		return s.deleteLocked(c)
	case "deletemessages":
		return s.deleteManyLocked(c)
	case "answercallbackquery":
		return s.answerCallbackLocked(c)
	case "approvechatjoinrequest", "declinechatjoinrequest":
		return s.joinRequestLocked(c, m == "approvechatjoinrequest")
	case "restrictchatmember":
		return s.restrictLocked(c)
	case "banchatmember", "kickchatmember":
		return s.banLocked(c)
	case "unbanchatmember":
		return s.unbanLocked(c)
	case "leavechat":
		return s.leaveLocked(c)
	case "getchat":
		return s.getChatLocked(c)
	case "getchatmember":
		return s.getChatMemberLocked(c)
	case "setmycommands", "deletemycommands", "getmycommands":
		return s.commandsLocked(c, m)
	case "getwebhookinfo":
		return okReply(map[string]any{"url": "", "has_custom_certificate": false, "pending_update_count": len(s.updates.q)})
	}
	if trueMethods[m] {
		if m == "sendchataction" {
			chatID, r, ok := chatParam(c, "chat_id")
			if !ok {
				return r
			}
			if d := s.forbidden[chatID]; d != "" {
				return errReply(403, d)
			}
		}
		return okReply(true)
	}
	return errReply(404, "Not Found: method not found")
}

func chatParam(c *Call, key string) (int64, reply, bool) {
	v := strings.TrimSpace(c.Raw[key])
	if v == "" {
		return 0, badRequest(key + " is empty"), false
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id == 0 {
		// @usernames are not modelled: the bot under test uses ids.
		return 0, badRequest("chat not found"), false
	}
	return id, reply{}, true
}

func userParam(c *Call) (int64, reply, bool) {
	id := c.Int("user_id")
	if id <= 0 {
		return 0, badRequest("invalid user_id specified"), false
	}
	return id, reply{}, true
}

// ---------------------------------------------------------------------------
// Sending

// prepareLocked validates what every sending method shares (text or
// caption, parse mode, reply markup, reply target, thread) and returns the
// message to store; the caller assigns the id and commits it.
func (s *Server) prepareLocked(c *Call, chatID int64, kind, text string) (*msgState, reply, bool) {
	if !utf8.ValidString(text) {
		return nil, badRequest("strings must be encoded in UTF-8"), false
	}
	mode := c.Raw["parse_mode"]
	plain, ents, err := render(text, mode)
	if err != nil {
		return nil, badRequest("can't parse entities: " + err.Error()), false
	}
	if kind == "text" {
		if strings.TrimSpace(plain) == "" {
			return nil, badRequest("message text is empty"), false
		}
		if utf16Len(plain) > 4096 {
			return nil, badRequest("message is too long"), false
		}
	} else if utf16Len(plain) > 1024 {
		return nil, badRequest("message caption is too long"), false
	}
	kb, kerr := parseInlineKeyboard(c.Raw["reply_markup"])
	if kerr != "" {
		return nil, badRequest(kerr), false
	}
	ms := &msgState{
		Message: Message{
			ChatID: chatID, Text: text, Plain: plain, ParseMode: mode, Kind: kind,
			Buttons: kb.buttons, Protected: c.Bool("protect_content"), FromBot: true, SenderID: BotID,
			ThreadID: int(c.Int("message_thread_id")),
		},
		entities:  ents,
		markup:    kb.obj,
		markupKey: kb.key,
	}
	replyTo := int(c.Int("reply_to_message_id"))
	allowNoReply := c.Bool("allow_sending_without_reply")
	if rp, ok := c.Params["reply_parameters"].(map[string]any); ok {
		if id, ok := rp["message_id"].(float64); ok {
			replyTo = int(id)
		}
		if b, ok := rp["allow_sending_without_reply"].(bool); ok && b {
			allowNoReply = true
		}
	}
	if replyTo != 0 {
		if t := s.lookupLocked(chatID, replyTo); t == nil || t.Deleted {
			if !allowNoReply {
				return nil, badRequest("message to be replied not found"), false
			}
			replyTo = 0
		}
	}
	ms.ReplyTo = replyTo
	return ms, reply{}, true
}

// sendGateLocked applies what Telegram checks before content: a valid
// chat, not blocked/kicked/left, and flood control.
func (s *Server) sendGateLocked(c *Call, limited bool) (int64, reply, bool) {
	chatID, r, ok := chatParam(c, "chat_id")
	if !ok {
		return 0, r, false
	}
	if d := s.forbidden[chatID]; d != "" {
		return 0, errReply(403, d), false
	}
	if limited {
		if retry := s.floodCheckLocked(chatID, time.Now()); retry > 0 {
			return 0, errReplyParams(429, defaultDescription(429, retry), retry), false
		}
	}
	return chatID, reply{}, true
}

func (s *Server) commitLocked(ms *msgState) {
	c := s.chatLocked(ms.ChatID)
	ms.ID = c.nextMsgID
	ms.Date = time.Unix(time.Now().Unix(), 0)
	s.addMessageLocked(c, ms)
	s.floodCommitLocked(ms.ChatID, time.Now())
}

func (s *Server) sendMessageLocked(c *Call) reply {
	chatID, r, ok := s.sendGateLocked(c, true)
	if !ok {
		return r
	}
	ms, r, ok := s.prepareLocked(c, chatID, "text", c.Raw["text"])
	if !ok {
		return r
	}
	s.commitLocked(ms)
	return okReply(s.messageJSONLocked(ms, true))
}

func (s *Server) sendMediaLocked(c *Call, kind string) reply {
	chatID, r, ok := s.sendGateLocked(c, true)
	if !ok {
		return r
	}
	ref := c.Raw[kind]
	if ref == "" {
		return badRequest("there is no " + kind + " in the request")
	}
	ms, r, ok := s.prepareLocked(c, chatID, kind, c.Raw["caption"])
	if !ok {
		return r
	}
	s.fileSeq++
	fileID := ref
	if _, uploaded := c.Files[kind]; uploaded || strings.Contains(ref, "://") || strings.HasPrefix(ref, "attach:") {
		fileID = fmt.Sprintf("fake-%s-%d", kind, s.fileSeq)
	}
	unique := fmt.Sprintf("fake-unique-%d", s.fileSeq)
	switch kind {
	case "photo":
		ms.media = map[string]any{"photo": []any{
			map[string]any{"file_id": fileID + "-s", "file_unique_id": unique + "-s", "file_size": 1024, "width": 90, "height": 90},
			map[string]any{"file_id": fileID, "file_unique_id": unique, "file_size": 65536, "width": 800, "height": 600},
		}}
	default:
		name := c.Raw["file_name"]
		if n, ok := c.Files[kind]; ok && name == "" {
			name = n
		}
		if name == "" {
			name = "file"
		}
		ms.media = map[string]any{kind: map[string]any{
			"file_id": fileID, "file_unique_id": unique, "file_name": name,
			"mime_type": "application/octet-stream", "file_size": 65536,
		}}
		ms.FileName, ms.FileData = name, c.uploads[kind]
	}
	s.commitLocked(ms)
	return okReply(s.messageJSONLocked(ms, true))
}

func (s *Server) copyLocked(c *Call, forward bool) reply {
	what := "copy"
	if forward {
		what = "forward"
	}
	fromChat, r, ok := chatParam(c, "from_chat_id")
	if !ok {
		return r
	}
	src := s.lookupLocked(fromChat, int(c.Int("message_id")))
	if src == nil || src.Deleted {
		return badRequest("message to " + what + " not found")
	}
	if src.Protected {
		return badRequest("message has protected content and can't be forwarded")
	}
	chatID, r, ok := s.sendGateLocked(c, true)
	if !ok {
		return r
	}
	// Validate the options (markup, reply target) through the common path,
	// then carry the source content over.
	text := src.Plain
	if forward || !c.Has("caption") || src.Kind == "text" {
		c2 := *c
		c2.Raw = map[string]string{}
		for k, v := range c.Raw {
			c2.Raw[k] = v
		}
		delete(c2.Raw, "parse_mode")
		if forward {
			delete(c2.Raw, "reply_markup")
		}
		c = &c2
	} else {
		text = c.Raw["caption"]
	}
	ms, r, ok := s.prepareLocked(c, chatID, src.Kind, text)
	if !ok {
		return r
	}
	if ms.Plain == src.Plain {
		ms.Text, ms.ParseMode, ms.entities = src.Text, src.ParseMode, src.entities
	}
	ms.media = src.media
	if forward {
		sender := s.me
		if !src.FromBot {
			if src.sender != nil {
				sender = *src.sender
			} else if u, ok := s.users[src.SenderID]; ok {
				sender = u
			}
		}
		ms.origin = map[string]any{
			"forward_origin": map[string]any{"type": "user", "sender_user": userJSON(sender), "date": src.Date.Unix()},
			"forward_from":   userJSON(sender),
			"forward_date":   src.Date.Unix(),
		}
	}
	s.commitLocked(ms)
	if forward {
		return okReply(s.messageJSONLocked(ms, true))
	}
	return okReply(map[string]any{"message_id": ms.ID})
}

// ---------------------------------------------------------------------------
// Editing and deleting

func (s *Server) editTargetLocked(c *Call, what string) (*msgState, reply, bool) {
	if !c.Has("chat_id") && c.Has("inline_message_id") {
		return nil, badRequest("MESSAGE_ID_INVALID"), false // inline mode is not modelled
	}
	chatID, r, ok := chatParam(c, "chat_id")
	if !ok {
		return nil, r, false
	}
	ms := s.lookupLocked(chatID, int(c.Int("message_id")))
	if ms == nil || ms.Deleted {
		return nil, badRequest("message to " + what + " not found"), false
	}
	return ms, reply{}, true
}

func entitiesKey(plain string, ents []entity) string {
	b, _ := json.Marshal(ents)
	return plain + "\x00" + string(b)
}

func (s *Server) editTextLocked(c *Call, field string) reply {
	ms, r, ok := s.editTargetLocked(c, "edit")
	if !ok {
		return r
	}
	if !ms.FromBot {
		return badRequest("message can't be edited")
	}
	if field == "text" && ms.Kind != "text" {
		return badRequest("there is no text in the message to edit")
	}
	if field == "caption" && ms.Kind == "text" {
		return badRequest("there is no caption in the message to edit")
	}
	text := c.Raw[field]
	if !utf8.ValidString(text) {
		return badRequest("strings must be encoded in UTF-8")
	}
	plain, ents, err := render(text, c.Raw["parse_mode"])
	if err != nil {
		return badRequest("can't parse entities: " + err.Error())
	}
	if field == "text" {
		if strings.TrimSpace(plain) == "" {
			return badRequest("message text is empty")
		}
		if utf16Len(plain) > 4096 {
			return badRequest("MESSAGE_TOO_LONG") // edits use the raw MTProto error, unlike sends
		}
	} else if utf16Len(plain) > 1024 {
		return badRequest("message caption is too long")
	}
	// Telegram drops the inline keyboard when an edit omits reply_markup.
	kb, kerr := parseInlineKeyboard(c.Raw["reply_markup"])
	if kerr != "" {
		return badRequest(kerr)
	}
	if entitiesKey(plain, ents) == entitiesKey(ms.Plain, ms.entities) && kb.key == ms.markupKey {
		return badRequest(descNotModified)
	}
	ms.Text, ms.Plain, ms.ParseMode, ms.entities = text, plain, c.Raw["parse_mode"], ents
	return s.editedLocked(ms, kb)
}

// editedLocked sets the message's new keyboard, counts the edit and
// answers with the edited message, as both edit methods do.
func (s *Server) editedLocked(ms *msgState, kb keyboard) reply {
	ms.Buttons, ms.markup, ms.markupKey = kb.buttons, kb.obj, kb.key
	ms.Edits++
	ms.editDate = time.Now().Unix()
	s.signalLocked()
	return okReply(s.messageJSONLocked(ms, true))
}

func (s *Server) editMarkupLocked(c *Call) reply {
	ms, r, ok := s.editTargetLocked(c, "edit")
	if !ok {
		return r
	}
	if !ms.FromBot {
		return badRequest("message can't be edited")
	}
	kb, kerr := parseInlineKeyboard(c.Raw["reply_markup"])
	if kerr != "" {
		return badRequest(kerr)
	}
	if kb.key == ms.markupKey {
		return badRequest(descNotModified)
	}
	return s.editedLocked(ms, kb)
}

func (s *Server) deleteLocked(c *Call) reply {
	ms, r, ok := s.editTargetLocked(c, "delete")
	if !ok {
		return r
	}
	ms.Deleted = true
	s.signalLocked()
	return okReply(true)
}

func (s *Server) deleteManyLocked(c *Call) reply {
	chatID, r, ok := chatParam(c, "chat_id")
	if !ok {
		return r
	}
	ids, _ := c.Params["message_ids"].([]any)
	if len(ids) == 0 {
		return badRequest("message_ids is empty")
	}
	for _, v := range ids {
		var id int
		switch t := v.(type) {
		case float64:
			id = int(t)
		case string:
			id, _ = strconv.Atoi(t)
		}
		if ms := s.lookupLocked(chatID, id); ms != nil {
			ms.Deleted = true // missing ones are skipped, as documented by Telegram
		}
	}
	s.signalLocked()
	return okReply(true)
}

func (s *Server) answerCallbackLocked(c *Call) reply {
	id := c.Raw["callback_query_id"]
	answered, known := s.callbacks[id]
	if !known || answered {
		return badRequest(descQueryTooOld)
	}
	if utf16Len(c.Raw["text"]) > 200 {
		return badRequest("MESSAGE_TOO_LONG")
	}
	s.callbacks[id] = true
	return okReply(true)
}

// ---------------------------------------------------------------------------
// Membership

type memberKey struct{ chat, user int64 }

type memberState struct {
	status string
	until  int64
	perms  map[string]any
}

func (s *Server) memberLocked(chat, user int64) *memberState {
	k := memberKey{chat, user}
	m := s.members[k]
	if m == nil {
		m = &memberState{status: "member"}
		if user == BotID && chat < 0 {
			m.status = "administrator"
		}
		s.members[k] = m
	}
	return m
}

func forbiddenDesc(chatID int64, status string) string {
	if chatID > 0 {
		return descBlocked
	}
	if status == "kicked" {
		return "Forbidden: bot was kicked from the supergroup chat"
	}
	return "Forbidden: bot is not a member of the supergroup chat"
}

// botStatusChangedLocked keeps sends consistent with the bot's own
// membership as announced by pushed my_chat_member/chat_member updates.
func (s *Server) botStatusChangedLocked(chatID int64, status string) {
	switch status {
	case "left", "kicked":
		s.forbidden[chatID] = forbiddenDesc(chatID, status)
	default:
		delete(s.forbidden, chatID)
	}
}

// SetMember sets the status getChatMember reports for userID in chatID
// ("creator", "administrator", "member", "restricted", "left", "kicked").
// Everybody is a "member" by default, and the bot an "administrator" of
// every group.
func (s *Server) SetMember(chatID, userID int64, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.memberLocked(chatID, userID).status = status
	if userID == BotID {
		s.botStatusChangedLocked(chatID, status)
	}
	s.signalLocked()
}

// MemberStatus returns the status getChatMember would report, after the
// bot's bans, unbans, restrictions and approvals.
func (s *Server) MemberStatus(chatID, userID int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.memberLocked(chatID, userID).status
}

// Block makes sends to chatID fail with 403 as Telegram does when a user
// blocked the bot ("Forbidden: bot was blocked by the user"; for a group
// id, "Forbidden: bot was kicked from the supergroup chat").
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forbidden[chatID] = forbiddenDesc(chatID, "kicked")
}

// Unblock undoes Block (and a leaveChat by the bot).
func (s *Server) Unblock(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.forbidden, chatID)
}

func (s *Server) groupMemberOp(c *Call, private string) (int64, int64, reply, bool) {
	chatID, r, ok := chatParam(c, "chat_id")
	if !ok {
		return 0, 0, r, false
	}
	if chatID > 0 {
		return 0, 0, badRequest(private), false
	}
	userID, r, ok := userParam(c)
	if !ok {
		return 0, 0, r, false
	}
	switch s.memberLocked(chatID, userID).status {
	case "creator":
		return 0, 0, badRequest("can't remove chat owner"), false
	case "administrator":
		return 0, 0, badRequest("user is an administrator of the chat"), false
	}
	return chatID, userID, reply{}, true
}

var sendPermissions = []string{
	"can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos", "can_send_videos",
	"can_send_video_notes", "can_send_voice_notes", "can_send_polls", "can_send_other_messages", "can_add_web_page_previews",
}

func (s *Server) restrictLocked(c *Call) reply {
	chatID, userID, r, ok := s.groupMemberOp(c, "method is available only for supergroups")
	if !ok {
		return r
	}
	perms, _ := c.Params["permissions"].(map[string]any)
	if perms == nil {
		return badRequest("can't parse permissions JSON object")
	}
	restricted := false
	for _, p := range sendPermissions {
		if v, _ := perms[p].(bool); !v {
			restricted = true
		}
	}
	m := s.memberLocked(chatID, userID)
	m.perms, m.until = perms, c.Int("until_date")
	if restricted {
		m.status = "restricted"
	} else if m.status == "restricted" {
		m.status = "member"
	}
	s.signalLocked()
	return okReply(true)
}

func (s *Server) banLocked(c *Call) reply {
	chatID, userID, r, ok := s.groupMemberOp(c, "chat member status can't be changed in private chats")
	if !ok {
		return r
	}
	m := s.memberLocked(chatID, userID)
	m.status, m.until, m.perms = "kicked", c.Int("until_date"), nil
	s.signalLocked()
	return okReply(true)
}

func (s *Server) unbanLocked(c *Call) reply {
	chatID, userID, r, ok := s.groupMemberOp(c, "chat member status can't be changed in private chats")
	if !ok {
		return r
	}
	m := s.memberLocked(chatID, userID)
	switch {
	case m.status == "kicked":
		m.status, m.until = "left", 0
	case !c.Bool("only_if_banned") && (m.status == "member" || m.status == "restricted"):
		// Without only_if_banned Telegram guarantees the user ends up
		// outside the chat, so a member is removed.
		m.status, m.until, m.perms = "left", 0, nil
	}
	s.signalLocked()
	return okReply(true)
}

func (s *Server) joinRequestLocked(c *Call, approve bool) reply {
	chatID, r, ok := chatParam(c, "chat_id")
	if !ok {
		return r
	}
	userID, r, ok := userParam(c)
	if !ok {
		return r
	}
	k := memberKey{chatID, userID}
	if s.joinDone[k] {
		// What Telegram answers once a request was already processed.
		return badRequest("HIDE_REQUESTER_MISSING")
	}
	s.joinDone[k] = true
	if approve {
		s.memberLocked(chatID, userID).status = "member"
	}
	s.signalLocked()
	return okReply(true)
}

func (s *Server) leaveLocked(c *Call) reply {
	chatID, r, ok := chatParam(c, "chat_id")
	if !ok {
		return r
	}
	if chatID > 0 {
		return badRequest("chat member status can't be changed in private chats")
	}
	s.memberLocked(chatID, BotID).status = "left"
	s.forbidden[chatID] = forbiddenDesc(chatID, "left")
	s.signalLocked()
	return okReply(true)
}

// SetChat sets what getChat returns for chat["id"] (an int, int64, float64
// or numeric string). The map is returned as given, so it can model any
// field (permissions, join_by_request, linked chats...).
func (s *Server) SetChat(chat map[string]any) {
	var id int64
	switch v := chat["id"].(type) {
	case int:
		id = int64(v)
	case int64:
		id = v
	case float64:
		id = int64(v)
	case json.Number:
		id, _ = v.Int64()
	case string:
		id, _ = strconv.ParseInt(v, 10, 64)
	}
	if id == 0 {
		panic("emulator: SetChat needs a numeric chat[\"id\"]")
	}
	b, err := json.Marshal(chat)
	if err != nil {
		panic(fmt.Sprintf("emulator: SetChat: %v", err))
	}
	var cp map[string]any
	_ = json.Unmarshal(b, &cp)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatInfo[id] = cp
	info := tele.Chat{ID: id}
	if t, ok := cp["type"].(string); ok {
		info.Type = tele.ChatType(t)
	}
	info.Title, _ = cp["title"].(string)
	info.FirstName, _ = cp["first_name"].(string)
	info.Username, _ = cp["username"].(string)
	s.noteChatLocked(&info)
}

func (s *Server) getChatLocked(c *Call) reply {
	chatID, r, ok := chatParam(c, "chat_id")
	if !ok {
		return r
	}
	if info, ok := s.chatInfo[chatID]; ok {
		return okReply(info)
	}
	m := s.chatJSONLocked(chatID)
	if chatID < 0 {
		if _, ok := m["title"]; !ok {
			m["title"] = fmt.Sprintf("Group %d", -chatID)
		}
		perms := map[string]any{
			"can_change_info": false, "can_invite_users": false, "can_pin_messages": false, "can_manage_topics": false,
			"can_send_media_messages": true,
		}
		for _, p := range sendPermissions {
			perms[p] = true
		}
		m["permissions"] = perms
	}
	return okReply(m)
}

func (s *Server) getChatMemberLocked(c *Call) reply {
	chatID, r, ok := chatParam(c, "chat_id")
	if !ok {
		return r
	}
	userID, r, ok := userParam(c)
	if !ok {
		return r
	}
	ms := s.memberLocked(chatID, userID)
	var user map[string]any
	switch u, known := s.users[userID]; {
	case userID == BotID:
		user = userJSON(s.me)
	case known:
		user = userJSON(u)
	default:
		user = map[string]any{"id": userID, "is_bot": false, "first_name": fmt.Sprintf("User %d", userID)}
	}
	out := map[string]any{"status": ms.status, "user": user}
	switch ms.status {
	case "administrator":
		for k, v := range map[string]any{
			"can_be_edited": false, "is_anonymous": false, "can_manage_chat": true, "can_delete_messages": true,
			"can_manage_video_chats": false, "can_restrict_members": true, "can_promote_members": false,
			"can_change_info": false, "can_invite_users": true, "can_pin_messages": true, "can_post_stories": false,
			"can_edit_stories": false, "can_delete_stories": false, "can_manage_topics": false,
		} {
			out[k] = v
		}
	case "creator":
		out["is_anonymous"] = false
	case "restricted":
		out["is_member"] = true
		out["until_date"] = ms.until
		for k, v := range ms.perms {
			out[k] = v
		}
	case "kicked":
		out["until_date"] = ms.until
	}
	return okReply(out)
}

// ---------------------------------------------------------------------------
// Commands

func commandsKey(scope map[string]any, lang string) string {
	typ, chat, user := "default", "", ""
	if scope != nil {
		if t, ok := scope["type"].(string); ok && t != "" {
			typ = t
		}
		if v, ok := scope["chat_id"]; ok {
			chat = fmt.Sprint(v)
		}
		if v, ok := scope["user_id"]; ok {
			user = fmt.Sprint(v)
		}
	}
	if chat == "0" {
		chat = ""
	}
	if user == "0" {
		user = ""
	}
	return typ + "|" + chat + "|" + user + "|" + lang
}

func (s *Server) commandsLocked(c *Call, method string) reply {
	var scope map[string]any
	if b, ok := rawJSON(c, "scope"); ok {
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.UseNumber()
		if dec.Decode(&scope) != nil {
			return badRequest("can't parse BotCommandScope JSON object")
		}
	}
	key := commandsKey(scope, c.Raw["language_code"])
	switch method {
	case "getmycommands":
		cmds := s.commands[key]
		if cmds == nil {
			cmds = []tele.Command{}
		}
		return okReply(cmds)
	case "deletemycommands":
		delete(s.commands, key)
		return okReply(true)
	}
	b, ok := rawJSON(c, "commands")
	if !ok {
		return badRequest("parameter \"commands\" is required")
	}
	var cmds []tele.Command
	if err := json.Unmarshal(b, &cmds); err != nil {
		return badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return badRequest("BOT_COMMANDS_TOO_MUCH")
	}
	for _, cmd := range cmds {
		if !validCommand(cmd.Text) {
			return badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(cmd.Description)); n == 0 || n > 256 {
			return badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	if len(cmds) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = cmds
	}
	s.signalLocked()
	return okReply(true)
}

// validCommand mirrors Telegram: 1-32 lowercase letters, digits and
// underscores, no leading slash.
func validCommand(cmd string) bool {
	if len(cmd) == 0 || len(cmd) > 32 {
		return false
	}
	for _, r := range cmd {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// MyCommands returns the commands set for scope and language (what
// getMyCommands would return), nil if none.
func (s *Server) MyCommands(scope tele.CommandScope, lang string) []tele.Command {
	m := map[string]any{"type": scope.Type}
	if scope.ChatID != 0 {
		m["chat_id"] = scope.ChatID
	}
	if scope.UserID != 0 {
		m["user_id"] = scope.UserID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]tele.Command(nil), s.commands[commandsKey(m, lang)]...)
}

//! The Russian line of every error code: what it means and what to do, for the manual's
//! «Ошибки» page. The match is exhaustive, so a code added to [`ErrorCode`] without its Russian
//! text does not compile.

use crate::errors::ErrorCode;

impl ErrorCode {
    /// One line for the Russian docs (the English one is [`ErrorCode::doc`]).
    pub fn doc_ru(self) -> &'static str {
        use ErrorCode::*;
        match self {
            AuthMissing => "Нет API-ключа: передайте Authorization: Bearer <ключ>, X-API-Key или Basic логин:ключ.",
            AuthInvalid => "API-ключ неизвестен или отозван либо не принадлежит указанному логину.",
            KeyExpired => "Срок действия API-ключа истёк; попросите новый ключ.",
            UserBlocked => "API-пользователь заблокирован.",
            MethodDisabled => "Метод (или весь его модуль) выключен для всех в настройках.",
            PermissionDenied => "API-пользователю не разрешён этот метод; его называет details.missing.",
            NotFound => "Такого маршрута или объекта нет.",
            MethodNotAllowed => "Маршрут есть, но не с этим HTTP-методом.",
            PayloadTooLarge => "Тело запроса больше, чем принимает метод (1 МиБ; sms/send — 16 МиБ).",
            UnsupportedMediaType => "Отправляйте JSON с заголовком Content-Type: application/json.",
            InvalidJson => "Тело запроса — не корректный JSON; строку и столбец ошибки называют details.",
            UnknownField => "В теле запроса есть поле, которого метод не знает.",
            InvalidParameter => "Параметр отсутствует или неверен; его называют details.",
            Conflict => "Запрос противоречит текущему состоянию.",
            IdempotencyInProgress => "Запрос с этим Idempotency-Key ещё выполняется; повторите позже.",
            IdempotencyKeyReused => "Этот Idempotency-Key уже использован с другим телом запроса.",
            CallNotFound => "В вашем списке обзвона нет звонка или пакета с таким id.",
            CallNotCancellable => "Звонок уже набирается или завершён; отменить можно только звонок в очереди.",
            QueueNotFound => "Такой очереди колл-центра нет.",
            AgentNotFound => "Такого оператора колл-центра нет.",
            TierNotFound => "Нет связи (tier) этой очереди с этим оператором.",
            CdrNotFound => "CDR этого звонка ещё не проиндексирован.",
            ProjectNotFound => "Нет проекта статистики с таким именем (Настройки → «Онлайн статистика ЦОВ»; пока проекты не заданы, каждая очередь — проект).",
            InvalidRange => "Интервал времени пуст или перевёрнут (from должен быть раньше until).",
            RangeTooLarge => "Интервал времени длиннее допустимого (отчёты: не больше 366 дней).",
            RecordingNotFound => "Записи этого звонка нет в каталоге записей.",
            RangeNotSatisfiable => "Заголовок Range просит байты, которых в файле нет.",
            UpstreamUnavailable => "FreeSWITCH (или другой внешний сервер) недоступен.",
            UpstreamAuthFailed => "Внешний сервер отклонил учётные данные шлюза; проверьте Настройки.",
            UpstreamError => "Внешний сервер ответил так, что шлюз не может использовать ответ.",
            UpstreamTimeout => "Внешний сервер не ответил вовремя.",
            UpstreamTlsError => "TLS-сертификат внешнего сервера не прошёл проверку (выдан на другое имя, просрочен или подписан центром, которому сервер не доверяет: добавьте файл CA в Настройках); отказ до отправки запроса, поэтому SMS уходит на следующий шлюз.",
            PhoneEmpty => "Номер телефона пуст.",
            PhoneBadCharacters => "В номере допустимы только цифры, ведущий +, пробелы, дефисы, точки и скобки.",
            PhoneTooShort => "В номере слишком мало цифр для E.164.",
            PhoneTooLong => "В номере больше 15 цифр.",
            PhoneBadLength => "В номере +7 ровно 11 цифр.",
            PhoneNotMobile => "10-значный номер должен быть российским мобильным, начинающимся с 9.",
            PhoneBadCountryCode => "Код страны не может начинаться с 0.",
            TextEmpty => "Текст SMS пуст.",
            TextTooLong => "Текст SMS длиннее допустимого или требует больше частей, чем отправляет шлюз.",
            InvalidPhone => "Номер не читается как E.164 (РФ: 8XXXXXXXXXX, 7…, +7…, 10 цифр с 9…); причину называет details.reason.",
            BatchTooLarge => "Получателей в одном sms/send больше допустимого (10 000).",
            SmsGatewayNotConfigured => "Нет активного SMS-шлюза: добавьте его в Настройки → SMS.",
            GatewayUnavailable => "Ни один SMS-шлюз не принял сообщение (недоступен, перегружен или отказывает); для каждого сообщения в sms/send и sms/getStatus.",
            GatewayRefused => "SMS-шлюз отклонил запрос (учётные данные, баланс, маршрут); для каждого сообщения.",
            SubmitAmbiguous => "Неизвестно, принял ли SMS-шлюз сообщение (не ответил вовремя); повторно оно не отправлялось. Для каждого сообщения.",
            PhoneRejected => "SMS-шлюз отклонил номер телефона; для каждого сообщения.",
            SenderRejected => "SMS-шлюз отклонил имя отправителя; для каждого сообщения.",
            NotQueued => "SMS-шлюз ответил, но не поставил сообщение в очередь; для каждого сообщения.",
            MessageRejected => "SMS-шлюз отклонил сообщение; для каждого сообщения.",
            StatusExpired => "Окончательный статус SMS не получен за срок хранения у шлюза; для каждого сообщения.",
            NotConfigured => "Методу нужна настройка, которая ещё пуста (её называет details.setting): заполните её в Настройках.",
            NotImplemented => "Метод есть в каталоге, но его модуль пока недоступен.",
            InternalError => "Непредвиденный сбой; сообщите в поддержку request_id.",
            DatabaseUnavailable => "Собственная база данных шлюза сейчас недоступна (или не дала соединения вовремя); повторите позже. Методы, которым база не нужна, продолжают работать.",
            IpNotAllowed => "API-пользователю нельзя обращаться с этого адреса: он вне списка разрешённых адресов пользователя (Пользователи → пользователь → «Разрешённые адреса»).",
            RateLimited => "Слишком много запросов этого API-пользователя за минуту (всего или к этому методу); подождите Retry-After секунд. Заголовки RateLimit-* называют предел, остаток и когда счёт начнётся заново.",
            QuotaExceeded => "Дневной или месячной квоты API-пользователя (контакты cc/add в день, части SMS в день или месяц) не хватает на этот запрос; details называют квоту, израсходованное и запрошенное. Ничего не поставлено в очередь и не отправлено.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both languages say something for every code, and the Russian line is Russian.
    #[test]
    fn every_code_is_documented_in_both_languages() {
        for c in ErrorCode::ALL {
            let (en, ru) = (c.doc(), c.doc_ru());
            assert!(en.len() > 10, "{}: English doc too short", c.as_str());
            assert!(ru.len() > 10, "{}: Russian doc too short", c.as_str());
            assert_ne!(en, ru, "{}: Russian doc not translated", c.as_str());
            assert!(
                ru.chars()
                    .any(|ch| ('а'..='я').contains(&ch.to_lowercase().next().unwrap())),
                "{}: Russian doc has no Russian word: {ru}",
                c.as_str()
            );
        }
    }
}
